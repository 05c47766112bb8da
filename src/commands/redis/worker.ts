import { escapeText } from '../../blocks/text.js';
import type { Notifier } from '../../incidents/notifier.js';
import { formatBytes } from '../../kernel/bytes.js';
import { errorMessage } from '../../kernel/errors.js';
import { type InfoSection, num, parseInfo } from '../../kernel/info.js';
import type { Logger } from '../../kernel/logger.js';
import { redactText } from '../../kernel/redact.js';
import { withTimeout } from '../../kernel/timeout.js';
import type { TargetRegistry } from '../../targets/target-registry.js';

/** INFO fields that never leave the bot, whatever a future Redis puts in them. */
const SECRET_FIELD = /pass|auth|secret|token|key_?file|cert/i;
const MAX_LINES = 40;

/** Renders one INFO section as aligned `field  value` lines; commandstats as the top commands by time. */
export function renderInfoSection(section: InfoSection, raw: string): string {
  const info = parseInfo(raw);
  let entries = Object.entries(info).filter(([k]) => !SECRET_FIELD.test(k));
  if (section === 'commandstats' || section === 'latencystats' || section === 'errorstats') {
    // `cmdstat_get:calls=…,usec=…`: sort by total time so the expensive commands come first.
    const usec = (v: string) => Number(/usec=(\d+)/.exec(v)?.[1] ?? 0);
    entries = entries.sort((a, b) => usec(b[1]) - usec(a[1]));
  }
  const shown = entries.slice(0, MAX_LINES);
  const width = Math.min(32, Math.max(0, ...shown.map(([k]) => k.length)));
  const lines = shown.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
  if (entries.length > shown.length) lines.push(`… ${entries.length - shown.length} more fields`);
  return redactText(lines.join('\n')) || '(empty section)';
}

export interface RedisCommandWorkerDeps {
  targets: TargetRegistry;
  notifier: Pick<Notifier, 'ephemeral'>;
}

/** The background half of `/redis info` and `/redis targets`: read-only, bounded, answered privately. */
export class RedisCommandWorker {
  constructor(private readonly d: RedisCommandWorkerDeps) {}

  async info(
    o: { user: string; channel: string; target: string; section: InfoSection },
    logger: Logger,
  ): Promise<void> {
    const target = this.d.targets.get(o.target);
    if (!target) {
      const reply = `No target ${escapeText(o.target)}; \`/redis targets\` lists them.`;
      await this.d.notifier.ephemeral(o.channel, o.user, reply);
      return;
    }
    let text: string;
    try {
      const client = await this.d.targets.connect(target, 5000);
      try {
        // INFO values come from the target (paths, names, addresses): escaped like any untrusted text.
        const rendered = escapeText(renderInfoSection(o.section, await client.info(o.section)));
        text = `*INFO ${o.section}* of \`${escapeText(target.name)}\`\n\`\`\`${rendered}\`\`\``;
      } finally {
        client.disconnect();
      }
    } catch (err) {
      logger.warn({ target: target.name, err: redactText(errorMessage(err)) }, 'info failed');
      text = `:x: Could not read INFO ${o.section} from \`${escapeText(target.name)}\`: ${escapeText(redactText(errorMessage(err)))}`;
    }
    await this.d.notifier.ephemeral(o.channel, o.user, text);
  }

  /** One line per target: reachable, role, memory use, ops/s. Targets are checked in parallel, 5 s each at most. */
  async health(o: { user: string; channel: string }): Promise<void> {
    const targets = this.d.targets.list();
    if (targets.length === 0) {
      await this.d.notifier.ephemeral(o.channel, o.user, 'No targets configured (CONFIG_FILE `targets:`).');
      return;
    }
    const lines = await Promise.all(
      targets.map(async (t) => {
        try {
          return await withTimeout(
            (async () => {
              const client = await this.d.targets.connect(t, 3000);
              try {
                const info = parseInfo(await client.info());
                const used = num(info, 'used_memory') ?? 0;
                const max = num(info, 'maxmemory') ?? 0;
                const pct =
                  max > 0 ? ` (${Math.round((used / max) * 100)}% of ${formatBytes(max)})` : ' (no maxmemory)';
                return escapeText(
                  `:large_green_circle: \`${t.name}\` ${t.workload} — ${info.role ?? '?'}, ${formatBytes(used)}${pct}, ${info.instantaneous_ops_per_sec ?? '?'} ops/s, ${info.connected_clients ?? '?'} clients, up ${Math.round((num(info, 'uptime_in_seconds') ?? 0) / 3600)} h`,
                );
              } finally {
                client.disconnect();
              }
            })(),
            5000,
            `health of ${t.name}`,
          );
        } catch (err) {
          return escapeText(`:red_circle: \`${t.name}\` ${t.workload} — unreachable: ${redactText(errorMessage(err))}`);
        }
      }),
    );
    await this.d.notifier.ephemeral(o.channel, o.user, `*Targets (${targets.length})*\n${lines.join('\n')}`);
  }
}
