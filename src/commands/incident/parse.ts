import { usageText } from '../../blocks/replies.js';
import type { Severity } from '../../incidents/incident.js';
import { INCIDENT_ID, SLACK_USER_ID_PART } from '../../kernel/ids.js';

/** What `/incident <text>` asks for. Parsing is pure so every form is unit-tested. */
export type IncidentCommand =
  | { kind: 'new'; title: string; target?: string; channel?: true }
  | { kind: 'status'; incidentId?: string; page?: number }
  | { kind: 'note'; incidentId?: string; text: string }
  | { kind: 'severity'; incidentId?: string; severity: Severity }
  | { kind: 'commander'; incidentId?: string; commander: string }
  | { kind: 'resolve'; incidentId?: string; summary: string }
  | { kind: 'timeline'; incidentId?: string }
  | { kind: 'export'; incidentId?: string; format: 'md' | 'json' }
  | { kind: 'help' }
  | { kind: 'invalid'; reason: string };

export const INCIDENT_USAGE = usageText([
  "*Usage:* `/incident <subcommand>` in a channel (Slack runs no slash command in a thread). Without an id it acts on the incident whose own channel this is, else the only open incident in the channel; put an id such as `INC-12` first to pick one. Inside an incident's thread, use the buttons on its card or mention the bot (`@bot help`): no id needed there.",
  '• `/incident new <title> [--target <name>] [--channel]` — open an incident and its thread, you as commander; with a target, `/redis diag` and alerts for it join this incident; with --channel it gets its own channel too',
  '• `/incident status [INC-n]` — the incident, or the open incidents (`/incident status page 2` for more)',
  '• `/incident note [INC-n] <text>` — add a note to the timeline',
  '• `/incident severity [INC-n] <sev1|sev2|sev3|sev4>`',
  '• `/incident commander [INC-n] @user`',
  '• `/incident resolve [INC-n] [summary]`',
  '• `/incident timeline [INC-n]` — post the timeline in the thread',
  '• `/incident export [INC-n] [md|json]` — upload the postmortem to the thread',
  '• `/incident help` — this text',
]);

// People type `inc-12` too; the id is upper-cased once recognised.
const ID = new RegExp(INCIDENT_ID.source, 'i');
/** Slack escapes mentions in command text as `<@U123|name>` (or `<@U123>`) when the command has escaping on. */
const MENTION = new RegExp(`^<@(${SLACK_USER_ID_PART})(?:\\|[^>]*)?>$`);

/** Parses the text after `/incident`. Unknown input is `invalid` with a reason, answered privately with usage. */
export function parseIncidentCommand(text: string): IncidentCommand {
  const trimmed = text.trim();
  const sub = (/^\S+/.exec(trimmed)?.[0] ?? 'help').toLowerCase();
  let rest = trimmed.slice(sub.length).trim();
  // An incident id may come first after the subcommand (or anywhere for the one-word forms).
  let incidentId: string | undefined;
  const first = /^\S+/.exec(rest)?.[0];
  if (first && ID.test(first)) {
    incidentId = first.toUpperCase();
    rest = rest.slice(first.length).trim();
  }
  const withId = <T extends object>(c: T) => (incidentId ? { ...c, incidentId } : c);
  const words = rest.split(/\s+/).filter(Boolean);
  const trailingId = () => {
    const last = words.at(-1);
    if (!incidentId && last && ID.test(last)) {
      incidentId = last.toUpperCase();
      words.pop();
    }
  };
  switch (sub) {
    case 'help':
      return { kind: 'help' };
    case 'new':
      if (incidentId) return { kind: 'invalid', reason: 'new takes a title, not an incident id' };
      return parseNew(rest);
    case 'note':
      if (!rest) return { kind: 'invalid', reason: 'note needs some text' };
      return withId({ kind: 'note' as const, text: rest.slice(0, 3000) });
    case 'resolve':
      return withId({ kind: 'resolve' as const, summary: rest.slice(0, 3000) });
    case 'status': {
      trailingId();
      // `status page 2`: a page of the open incidents. (A bare `status 12` is not a page: it reads like INC-12.)
      if (!incidentId && words[0]?.toLowerCase() === 'page') {
        const n = words[1] ?? '';
        if (words.length !== 2 || !/^\d{1,6}$/.test(n) || Number(n) < 1)
          return {
            kind: 'invalid',
            reason: 'status page takes one page number from 1, e.g. `/incident status page 2`',
          };
        return { kind: 'status', page: Number(n) };
      }
      if (words.length) return { kind: 'invalid', reason: `unexpected "${words.join(' ')}" after status` };
      return withId({ kind: 'status' as const });
    }
    case 'timeline':
      trailingId();
      if (words.length) return { kind: 'invalid', reason: `unexpected "${words.join(' ')}" after ${sub}` };
      return withId({ kind: sub });
    case 'export': {
      trailingId();
      const format = (words.shift() ?? 'md').toLowerCase();
      trailingId();
      if (format !== 'md' && format !== 'json')
        return { kind: 'invalid', reason: `export format must be md or json, not "${format}"` };
      if (words.length) return { kind: 'invalid', reason: `unexpected "${words.join(' ')}" after export` };
      return withId({ kind: 'export' as const, format });
    }
    case 'severity': {
      trailingId();
      const sev = (words.shift() ?? '').toLowerCase();
      if (!/^sev[1-4]$/.test(sev) || words.length)
        return { kind: 'invalid', reason: 'severity must be one of sev1, sev2, sev3, sev4' };
      return withId({ kind: 'severity' as const, severity: sev as Severity });
    }
    case 'commander': {
      trailingId();
      const m = MENTION.exec(words.shift() ?? '');
      if (!m?.[1] || words.length) {
        return {
          kind: 'invalid',
          reason: 'commander needs one @mention of a user (turn on "Escape channels, users, and links" for /incident)',
        };
      }
      return withId({ kind: 'commander' as const, commander: m[1] });
    }
    default:
      return { kind: 'invalid', reason: `unknown subcommand "${sub}"` };
  }
}

/** A target name as the config allows it (and as `/redis` takes it). */
const TARGET_NAME = /^[a-z0-9][a-z0-9._-]*$/i;

/**
 * `new <title> [--target <name>] [--channel]`: the options may stand anywhere (`--target=name` too); the rest is the
 * title. Any other `--option` is refused rather than swallowed into the title.
 */
function parseNew(rest: string): IncidentCommand {
  const words = rest.split(/\s+/).filter(Boolean);
  const title: string[] = [];
  let target: string | undefined;
  let channel = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i] ?? '';
    const opt = /^--([a-z-]+)(?:=(.*))?$/i.exec(w);
    if (!opt) {
      title.push(w);
      continue;
    }
    const name = opt[1]?.toLowerCase();
    if (name === 'channel' && opt[2] === undefined) {
      channel = true;
      continue;
    }
    if (name !== 'target') {
      return {
        kind: 'invalid',
        reason: `unknown option "${w}" for new (it takes \`--target <name>\` and \`--channel\`)`,
      };
    }
    const value = opt[2] ?? words[++i];
    if (!value || !TARGET_NAME.test(value)) {
      return {
        kind: 'invalid',
        reason: '--target needs a target name, e.g. `/incident new Checkout slow --target cache-1`',
      };
    }
    if (target !== undefined) return { kind: 'invalid', reason: 'new takes one --target' };
    target = value;
  }
  if (!title.length)
    return { kind: 'invalid', reason: 'new needs a title, e.g. `/incident new Checkout cache evicting`' };
  return {
    kind: 'new',
    title: title.join(' ').slice(0, 200),
    ...(target ? { target } : {}),
    ...(channel ? { channel: true as const } : {}),
  };
}
