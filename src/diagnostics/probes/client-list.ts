import { z } from 'zod';
import { hostOf, parseClientFields, WAITS_BY_DESIGN_FLAGS } from '../../kernel/client-fields.js';
import { isReplyError, round1 } from '../config-get.js';
import type { Probe, ProbeResult } from '../probe.js';

export { hostOf, parseClientFields } from '../../kernel/client-fields.js';

const ParamsSchema = z
  .object({
    /** CLIENT LIST lines parsed at most; the rest are counted but not grouped. */
    maxLines: z.number().int().min(1).max(1_000_000).default(50_000),
    /** A normal client silent for at least this many seconds counts as idle (the leak signature). */
    idleSeconds: z.number().int().min(0).max(86_400).default(60),
    /** Rows per table. */
    top: z.number().int().min(1).max(50).default(10),
  })
  .strict();

/** One `CLIENT LIST` line, the fields the probe uses. */
export interface ClientEntry {
  id: string;
  /** `ip:port` as Redis prints it (`[::1]:6379` for IPv6, `/path.sock:0` for a unix socket). */
  addr: string;
  /** The address without the port: the client's host. */
  host: string;
  name: string;
  user: string;
  /** Seconds since the client's last command. */
  idle: number;
  age: number;
  /** Last command run, `client|list` style for subcommands. */
  cmd: string;
  flags: string;
  /** Subscribed channels + patterns + shard channels. */
  subscriptions: number;
}

function int(v: string | undefined): number {
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
}

/** Parses one `CLIENT LIST` line; undefined for a blank or malformed line (no `id=` or `addr=`). */
export function parseClientLine(line: string): ClientEntry | undefined {
  const f = parseClientFields(line);
  if (f.id === undefined || f.addr === undefined) return undefined;
  return {
    id: f.id,
    addr: f.addr,
    host: hostOf(f.addr),
    name: f.name ?? '',
    user: f.user ?? '',
    idle: int(f.idle),
    age: int(f.age),
    cmd: f.cmd ?? '',
    flags: f.flags ?? '',
    subscriptions: int(f.sub) + int(f.psub) + int(f.ssub),
  };
}

/**
 * Clients that wait by design and so are never "idle" in the leak sense: replicas (S), a master link (M), pub/sub
 * subscribers (P or subscriptions), MONITOR (O), clients blocked in BLPOP & co (b), inside MULTI (x) or relying on
 * client-side caching invalidations (t). The same exemptions as the kill-idle-clients action, so
 * `top_addr_idle_clients` counts the connections that action would close.
 */
export function waitsByDesign(c: ClientEntry): boolean {
  return WAITS_BY_DESIGN_FLAGS.test(c.flags) || c.subscriptions > 0;
}

export function median(values: number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

interface Group {
  key: string;
  clients: ClientEntry[];
}

function groupBy(clients: ClientEntry[], key: (c: ClientEntry) => string): Group[] {
  const map = new Map<string, ClientEntry[]>();
  for (const c of clients) {
    const k = key(c);
    const list = map.get(k);
    if (list) list.push(c);
    else map.set(k, [c]);
  }
  return [...map]
    .map(([k, list]) => ({ key: k, clients: list }))
    .sort((a, b) => b.clients.length - a.clients.length || a.key.localeCompare(b.key));
}

const nameOf = (c: ClientEntry) => c.name || '(no name)';
const cmdOf = (c: ClientEntry) => c.cmd || '(none)';

/** The most frequent values of `key` in `clients`, as `a ×3, b ×1`. */
function mostCommon(clients: ClientEntry[], key: (c: ClientEntry) => string, n: number): string {
  return groupBy(clients, key)
    .slice(0, n)
    .map((g) => `${g.key} ×${g.clients.length}`)
    .join(', ');
}

const IDLE_BUCKETS: Array<{ label: string; max: number }> = [
  { label: '< 10 s', max: 10 },
  { label: '10 s – 1 min', max: 60 },
  { label: '1 – 10 min', max: 600 },
  { label: '10 min – 1 h', max: 3600 },
  { label: '1 – 24 h', max: 86_400 },
  { label: '≥ 24 h', max: Number.POSITIVE_INFINITY },
];

/** Groups parsed clients by host, name and last command; pure, so the grouping is unit-tested on its own. */
export function summarizeClients(
  clients: ClientEntry[],
  opts: { idleSeconds: number; top: number },
): Omit<ProbeResult, 'notes'> {
  const isIdle = (c: ClientEntry) => !waitsByDesign(c) && c.idle >= opts.idleSeconds;
  const total = clients.length;
  const pct = (n: number, of: number) => (of > 0 ? round1((n / of) * 100) : 0);
  const byHost = groupBy(clients, (c) => c.host);
  const byName = groupBy(clients, nameOf);
  const byCmd = groupBy(clients, cmdOf);
  const idle = clients.filter(isIdle);
  const top = byHost[0];
  const topClients = top?.clients ?? [];
  const topIdle = topClients.filter(isIdle).length;
  const topName = byName[0];
  const topCmd = byCmd[0];
  const metrics: ProbeResult['metrics'] = {
    'client_list.total_clients': total,
    'client_list.addresses': byHost.length,
    'client_list.idle_seconds': opts.idleSeconds,
    'client_list.idle_clients': idle.length,
    'client_list.idle_pct': pct(idle.length, total),
    'client_list.max_idle_s': clients.reduce((m, c) => Math.max(m, c.idle), 0),
    'client_list.top_addr': top?.key ?? '(none)',
    'client_list.top_addr_clients': topClients.length,
    'client_list.top_addr_pct': pct(topClients.length, total),
    'client_list.top_addr_idle_clients': topIdle,
    'client_list.top_addr_idle_pct': pct(topIdle, topClients.length),
    'client_list.top_addr_idle_median_s': median(topClients.map((c) => c.idle)),
    'client_list.top_addr_name': top ? (groupBy(topClients, nameOf)[0]?.key ?? '(no name)') : '(none)',
    'client_list.top_addr_cmd': top ? (groupBy(topClients, cmdOf)[0]?.key ?? '(none)') : '(none)',
    'client_list.top_name': topName?.key ?? '(none)',
    'client_list.top_name_clients': topName?.clients.length ?? 0,
    'client_list.top_cmd': topCmd?.key ?? '(none)',
    'client_list.top_cmd_clients': topCmd?.clients.length ?? 0,
  };
  const figures = [
    { label: 'clients listed', value: `${total} from ${byHost.length} addresses` },
    {
      label: `idle ≥ ${opts.idleSeconds} s`,
      value: `${idle.length} (${metrics['client_list.idle_pct']}%); pub/sub, blocked and replica links not counted`,
    },
  ];
  if (top) {
    figures.push({
      label: 'top address',
      value:
        `${top.key}: ${topClients.length} clients (${metrics['client_list.top_addr_pct']}%), ${topIdle} idle, ` +
        `median idle ${metrics['client_list.top_addr_idle_median_s']} s, mostly ${metrics['client_list.top_addr_name']}`,
    });
  }
  if (topName) figures.push({ label: 'top client name', value: `${topName.key} (${topName.clients.length})` });
  const buckets = IDLE_BUCKETS.map((b) => ({ label: b.label, n: 0 }));
  for (const c of clients) {
    const i = IDLE_BUCKETS.findIndex((b) => c.idle < b.max);
    const bucket = buckets[i];
    if (bucket) bucket.n++;
  }
  return {
    metrics,
    figures,
    tables: [
      {
        title: 'Clients by address',
        columns: ['address', 'clients', 'share', `idle ≥ ${opts.idleSeconds} s`, 'median idle', 'names', 'last cmd'],
        rows: byHost
          .slice(0, opts.top)
          .map((g) => [
            g.key,
            String(g.clients.length),
            `${pct(g.clients.length, total)}%`,
            String(g.clients.filter(isIdle).length),
            `${median(g.clients.map((c) => c.idle))} s`,
            mostCommon(g.clients, nameOf, 2),
            mostCommon(g.clients, cmdOf, 2),
          ]),
      },
      {
        title: 'Clients by name',
        columns: ['name', 'clients', 'addresses', 'median idle'],
        rows: byName
          .slice(0, opts.top)
          .map((g) => [
            g.key,
            String(g.clients.length),
            String(new Set(g.clients.map((c) => c.host)).size),
            `${median(g.clients.map((c) => c.idle))} s`,
          ]),
      },
      {
        title: 'Clients by last command',
        columns: ['command', 'clients', 'share'],
        rows: byCmd
          .slice(0, opts.top)
          .map((g) => [g.key, String(g.clients.length), `${pct(g.clients.length, total)}%`]),
      },
      {
        title: 'Clients by idle time',
        columns: ['idle', 'clients'],
        rows: buckets.filter((b) => b.n > 0).map((b) => [b.label, String(b.n)]),
      },
    ],
  };
}

/**
 * Who holds the connections: `CLIENT LIST` grouped by source address (port dropped), client name, last command
 * and idle time. The leak signature is one address holding a large share of the connections, mostly idle
 * (connections opened per request, or a pool that never closes them).
 * Commands: `CLIENT ID` (O(1)) to leave the bot's own connection out; `CLIENT LIST` — O(clients) on the server
 * and about 300 bytes per client on the wire (10k clients ≈ 3 MB); at most `maxLines` lines are parsed.
 */
export const clientListProbe: Probe<typeof ParamsSchema> = {
  name: 'client-list',
  title: 'Clients by address, name and idle time',
  commands: 'CLIENT ID (O(1)); CLIENT LIST (O(clients), ~300 B per client; at most maxLines parsed)',
  paramsSchema: ParamsSchema,
  async run(ctx, p): Promise<ProbeResult> {
    const notes: string[] = [];
    let self: string | undefined;
    try {
      self = String(await ctx.client.client('ID'));
    } catch (err) {
      if (!(err instanceof Error && isReplyError(err))) throw err;
    }
    const text = String(await ctx.client.client('LIST'));
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    const clients: ClientEntry[] = [];
    for (const line of lines.slice(0, p.maxLines)) {
      const c = parseClientLine(line);
      if (c && c.id !== self) clients.push(c);
    }
    const summary = summarizeClients(clients, { idleSeconds: p.idleSeconds, top: p.top });
    summary.metrics['client_list.truncated'] = lines.length > p.maxLines ? 1 : 0;
    if (lines.length > p.maxLines) {
      notes.push(`${lines.length} clients listed; only the first ${p.maxLines} were grouped.`);
    }
    if (self !== undefined) notes.push('The bot’s own connection is left out.');
    return { ...summary, notes };
  },
};
