import { usageText } from '../../blocks/replies.js';
import { INFO_SECTIONS, type InfoSection } from '../../kernel/info.js';

/** What `/redis <text>` asks for. Pure, unit-tested. */
export type RedisCommand =
  | { kind: 'diag'; target: string; runbook?: string }
  | { kind: 'info'; target: string; section: InfoSection }
  | { kind: 'runbooks' }
  | { kind: 'targets' }
  | { kind: 'help' }
  | { kind: 'invalid'; reason: string };

export const REDIS_USAGE = usageText([
  '*Usage:* `/redis <subcommand>`',
  "• `/redis diag <target> [runbook]` — run a runbook now (default: the target's defaultRunbook, else overview); findings go to the target's open incident or a new one",
  `• \`/redis info <target> [section]\` — one INFO section, readable (sections: ${INFO_SECTIONS.join(', ')}; default memory)`,
  '• `/redis targets` — each target: reachable, role, memory use, ops/s',
  '• `/redis runbooks` — the runbooks and the alerts they match',
  '• `/redis help` — this text',
]);

const NAME = /^[a-z0-9][a-z0-9._-]*$/i;

export function parseRedisCommand(text: string): RedisCommand {
  const [rawSub, ...words] = text.trim().split(/\s+/).filter(Boolean);
  const sub = (rawSub ?? 'help').toLowerCase();
  switch (sub) {
    case 'help':
      return { kind: 'help' };
    case 'runbooks':
    case 'targets':
      return words.length ? { kind: 'invalid', reason: `unexpected "${words.join(' ')}" after ${sub}` } : { kind: sub };
    case 'diag': {
      const [target, runbook, ...extra] = words;
      if (!target || !NAME.test(target))
        return { kind: 'invalid', reason: 'diag needs a target name, e.g. `/redis diag cache-1`' };
      if (extra.length || (runbook && !NAME.test(runbook)))
        return { kind: 'invalid', reason: 'diag takes a target and at most one runbook name' };
      return runbook ? { kind: 'diag', target, runbook } : { kind: 'diag', target };
    }
    case 'info': {
      const [target, section = 'memory', ...extra] = words;
      if (!target || !NAME.test(target))
        return { kind: 'invalid', reason: 'info needs a target name, e.g. `/redis info cache-1 memory`' };
      const s = section.toLowerCase();
      if (!(INFO_SECTIONS as readonly string[]).includes(s) || extra.length) {
        return { kind: 'invalid', reason: `unknown INFO section "${section}" (one of ${INFO_SECTIONS.join(', ')})` };
      }
      return { kind: 'info', target, section: s as InfoSection };
    }
    default:
      return { kind: 'invalid', reason: `unknown subcommand "${sub}"` };
  }
}
