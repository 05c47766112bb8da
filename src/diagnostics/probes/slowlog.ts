import { z } from 'zod';
import { configGet, round1 } from '../config-get.js';
import type { Probe, ProbeResult } from '../probe.js';

const ParamsSchema = z
  .object({
    /** Entries fetched with SLOWLOG GET (the server keeps slowlog-max-len, 128 by default). */
    count: z.number().int().min(1).max(10_000).default(128),
    /** Ignore entries older than this (seconds, by the server's clock); all fetched entries when unset. */
    maxAgeSeconds: z.number().int().min(1).optional(),
    /** Rows per table. */
    top: z.number().int().min(1).max(50).default(10),
  })
  .strict();

/** Longest argument shown; longer ones are cut, so values (keys, payloads) never leak whole into Slack. */
export const MAX_ARG_CHARS = 40;
/** Arguments shown after the command name; the rest are counted. */
export const MAX_ARGS_SHOWN = 8;
const REDACTED = '(redacted)';

/** One SLOWLOG entry as the probe uses it. */
export interface SlowlogEntry {
  id: number;
  /** Unix seconds when the command ran. */
  time: number;
  durationUs: number;
  /** The command and its arguments as logged (Redis already cuts them at 32 args / 128 bytes). */
  args: string[];
  client: string;
  clientName: string;
}

/** Parses one raw `SLOWLOG GET` entry: `[id, unix time, microseconds, [args…], addr, name]`. */
export function parseSlowlogEntry(raw: unknown): SlowlogEntry | undefined {
  if (!Array.isArray(raw) || raw.length < 4 || !Array.isArray(raw[3])) return undefined;
  const args = (raw[3] as unknown[]).map((a) => String(a));
  if (args.length === 0) return undefined;
  return {
    id: Number(raw[0]),
    time: Number(raw[1]),
    durationUs: Number(raw[2]),
    args,
    client: raw[4] !== undefined ? String(raw[4]) : '',
    clientName: raw[5] !== undefined ? String(raw[5]) : '',
  };
}

/** Parameter names whose value (and everything after it) is a secret. */
const SECRET_PARAM = /^(requirepass|masterauth|masteruser|auth-pass|sentinel-pass|.*-pass(word)?|.*secret.*)$/i;

/**
 * Hides secrets in a logged command: every argument after AUTH / AUTH2 (AUTH itself, HELLO … AUTH, MIGRATE … AUTH),
 * everything after a password-like parameter (CONFIG SET requirepass / masterauth, SENTINEL SET auth-pass), and
 * ACL SETUSER password rules (`>pw`, `<pw`, `#hash`, `!hash`). Redis redacts some of these itself; this does not
 * rely on it.
 */
export function redactArgs(args: string[]): string[] {
  const out = [...args];
  const cmd = (out[0] ?? '').toUpperCase();
  const sub = (out[1] ?? '').toUpperCase();
  const redactFrom = (i: number) => {
    for (let j = i; j < out.length; j++) out[j] = REDACTED;
  };
  if (cmd === 'AUTH') {
    redactFrom(1);
    return out;
  }
  if (cmd === 'ACL' && sub === 'SETUSER') {
    for (let j = 3; j < out.length; j++) if (/^[<>#!]/.test(out[j] ?? '')) out[j] = REDACTED;
  }
  for (let i = 1; i < out.length; i++) {
    const a = out[i] ?? '';
    if (/^AUTH2?$/i.test(a) || SECRET_PARAM.test(a)) {
      redactFrom(i + 1);
      break;
    }
  }
  return out;
}

/** One argument made safe to show: control characters replaced, at most MAX_ARG_CHARS characters. */
export function shortArg(arg: string): string {
  const clean = arg.replace(/\p{Cc}/gu, '·');
  return clean.length > MAX_ARG_CHARS ? `${clean.slice(0, MAX_ARG_CHARS - 1)}…` : clean;
}

/** The command as shown to people: name upper-cased, secrets redacted, each argument cut, at most 8 arguments. */
export function formatCommand(args: string[]): string {
  const safe = redactArgs(args).map(shortArg);
  const [name = '', ...rest] = safe;
  const shown = rest.slice(0, MAX_ARGS_SHOWN);
  const more = rest.length - shown.length;
  return [name.toUpperCase(), ...shown, ...(more > 0 ? [`… (+${more} args)`] : [])].join(' ');
}

/** The arguments alone (no command name), formatted as `formatCommand` does. */
export function formatArgs(args: string[]): string {
  const full = formatCommand(args);
  const space = full.indexOf(' ');
  return space < 0 ? '' : full.slice(space + 1);
}

/** The name entries are grouped by: the first word, upper-cased (`DEBUG`, `KEYS`, `CONFIG`). */
export function commandName(entry: SlowlogEntry): string {
  return shortArg(entry.args[0] ?? '?').toUpperCase();
}

interface CommandGroup {
  command: string;
  count: number;
  totalUs: number;
  slowest: SlowlogEntry;
  newest: number;
}

/** Groups entries by command name, biggest total duration first. */
export function groupSlowlog(entries: SlowlogEntry[]): CommandGroup[] {
  const groups = new Map<string, CommandGroup>();
  for (const e of entries) {
    const name = commandName(e);
    const g = groups.get(name);
    if (!g) groups.set(name, { command: name, count: 1, totalUs: e.durationUs, slowest: e, newest: e.time });
    else {
      g.count++;
      g.totalUs += e.durationUs;
      if (e.durationUs > g.slowest.durationUs) g.slowest = e;
      g.newest = Math.max(g.newest, e.time);
    }
  }
  return [...groups.values()].sort((a, b) => b.totalUs - a.totalUs || b.count - a.count);
}

const ms = (us: number) => round1(us / 1000);
const clientLabel = (e: SlowlogEntry) => (e.clientName ? `${e.client} (${e.clientName})` : e.client || '?');

/**
 * Which commands were slow: `SLOWLOG GET count` grouped by command name, with total and worst duration, the worst
 * call's arguments (secrets redacted, values cut to 40 characters) and the client that sent it.
 * Commands: `SLOWLOG LEN`, `SLOWLOG GET count` (O(count)), `TIME` (O(1)), `CONFIG GET slowlog-log-slower-than`
 * (O(1), skipped if refused). Read-only: the slow log is not reset.
 */
export const slowlogProbe: Probe<typeof ParamsSchema> = {
  name: 'slowlog',
  title: 'Slow log',
  commands: 'SLOWLOG LEN, SLOWLOG GET count (O(count)), TIME, CONFIG GET slowlog-log-slower-than (O(1))',
  paramsSchema: ParamsSchema,
  async run(ctx, p): Promise<ProbeResult> {
    const len = Number(await ctx.client.slowlog('LEN'));
    const raw = (await ctx.client.slowlog('GET', p.count)) as unknown[];
    const [sec] = (await ctx.client.time()) as [number | string, number | string];
    const now = Number(sec);
    const slowerThan = await configGet(ctx.client, 'slowlog-log-slower-than');
    const notes: string[] = [];
    let entries = raw.map(parseSlowlogEntry).filter((e): e is SlowlogEntry => e !== undefined);
    if (p.maxAgeSeconds !== undefined) {
      const before = entries.length;
      entries = entries.filter((e) => now - e.time <= (p.maxAgeSeconds ?? 0));
      if (before > entries.length) {
        notes.push(`${before - entries.length} entries older than ${p.maxAgeSeconds} s left out.`);
      }
    }
    const groups = groupSlowlog(entries);
    const top = groups[0];
    const slowest = entries.reduce<SlowlogEntry | undefined>(
      (m, e) => (m === undefined || e.durationUs > m.durationUs ? e : m),
      undefined,
    );
    const newest = entries.reduce((m, e) => Math.max(m, e.time), 0);
    const metrics: ProbeResult['metrics'] = {
      'slowlog.len': len,
      'slowlog.entries': entries.length,
      'slowlog.total_ms': ms(entries.reduce((s, e) => s + e.durationUs, 0)),
      'slowlog.max_ms': slowest ? ms(slowest.durationUs) : 0,
      'slowlog.slowest_command': slowest ? commandName(slowest) : '(none)',
      'slowlog.top_command': top?.command ?? '(none)',
      'slowlog.top_command_count': top?.count ?? 0,
      'slowlog.top_command_total_ms': top ? ms(top.totalUs) : 0,
      'slowlog.top_command_max_ms': top ? ms(top.slowest.durationUs) : 0,
      'slowlog.top_command_args': top ? formatArgs(top.slowest.args) || '(no args)' : '(none)',
      'slowlog.top_command_client': top ? top.slowest.client || '?' : '(none)',
      'slowlog.top_command_client_name': top ? top.slowest.clientName || '(no name)' : '(none)',
    };
    if (entries.length > 0) metrics['slowlog.newest_age_s'] = Math.max(0, now - newest);
    if (slowerThan !== undefined) {
      metrics['slowlog.slower_than_us'] = Number(slowerThan);
      if (Number(slowerThan) < 0) notes.push('The slow log is disabled (slowlog-log-slower-than < 0).');
    }
    if (len > entries.length && p.maxAgeSeconds === undefined) {
      notes.push(`${len} entries in the slow log; the newest ${entries.length} were read.`);
    }
    const figures = [
      { label: 'entries', value: `${entries.length} read of ${len}` },
      {
        label: 'slowest call',
        value: slowest
          ? `${formatCommand(slowest.args)} — ${ms(slowest.durationUs)} ms, ${now - slowest.time} s ago, ${clientLabel(slowest)}`
          : 'none',
      },
    ];
    if (top) {
      figures.push({
        label: 'most time spent in',
        value: `${top.command}: ${top.count} calls, ${ms(top.totalUs)} ms in total, worst ${ms(top.slowest.durationUs)} ms`,
      });
    }
    if (slowerThan !== undefined) figures.push({ label: 'slowlog-log-slower-than', value: `${slowerThan} µs` });
    return {
      metrics,
      figures,
      tables: [
        {
          title: 'Slow commands by total time',
          columns: ['command', 'calls', 'total ms', 'max ms', 'last seen', 'worst call', 'client'],
          rows: groups
            .slice(0, p.top)
            .map((g) => [
              g.command,
              String(g.count),
              String(ms(g.totalUs)),
              String(ms(g.slowest.durationUs)),
              `${Math.max(0, now - g.newest)} s ago`,
              formatCommand(g.slowest.args),
              clientLabel(g.slowest),
            ]),
        },
        {
          title: 'Slowest calls',
          columns: ['when', 'ms', 'command', 'client'],
          rows: [...entries]
            .sort((a, b) => b.durationUs - a.durationUs)
            .slice(0, p.top)
            .map((e) => [
              `${Math.max(0, now - e.time)} s ago`,
              String(ms(e.durationUs)),
              formatCommand(e.args),
              clientLabel(e),
            ]),
        },
      ],
      notes,
    };
  },
};
