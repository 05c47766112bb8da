import type { Redis } from 'ioredis';
import { z } from 'zod';
import { hostOf, parseClientFields, WAITS_BY_DESIGN_FLAGS } from '../../kernel/client-fields.js';
import type { Figures, RemediationAction } from '../action.js';

/** At most this many connections are closed by one approval. */
export const MAX_KILLS = 10_000;
const KILL_BATCH = 500;

const IpSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[0-9A-Za-z.:%_-]+$/, 'an IP address')
  .refine((a) => !/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(a) && !a.startsWith('['), 'an IP address without a port');

const ParamsSchema = z
  .object({
    /** Client IP whose idle connections are closed (no port: a leaking app opens many ports). */
    addr: IpSchema,
    /** Only connections idle at least this long (CLIENT LIST `idle`, seconds since the last command). */
    minIdleSeconds: z
      .number()
      .int()
      .min(1)
      .max(30 * 86_400),
  })
  .strict();
type Params = z.infer<typeof ParamsSchema>;

const PlanOptionsSchema = z
  .object({
    minIdleSeconds: z
      .number()
      .int()
      .min(1)
      .max(30 * 86_400)
      .default(300),
  })
  .strict();

/** `1.2.3.4:5678` → `1.2.3.4`, `[::1]:5678` → `::1`; a bare IP is kept as it is. */
export function ipOf(addr: string): string {
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(addr);
  if (v4?.[1]) return v4[1];
  const v6 = /^\[(.+)\]:\d+$/.exec(addr);
  if (v6?.[1]) return v6[1];
  return addr;
}

/** One client of `CLIENT LIST`: `id=7 addr=127.0.0.1:50000 … name=x age=10 idle=3 flags=N … cmd=get`. */
export type ClientEntry = Record<string, string>;

export function parseClientList(text: string): ClientEntry[] {
  return text
    .split(/\r?\n/)
    .filter((line) => line.includes('id='))
    .map(parseClientFields);
}

/** The client's IP: CLIENT LIST prints `ip:port`, IPv6 as `[ip]:port` (older servers without brackets). */
export function clientIp(c: ClientEntry): string {
  return hostOf(c.addr ?? '');
}

/** Why a client of the address is not a candidate, or undefined when it is one. */
export function exemption(c: ClientEntry, ownId: string): string | undefined {
  if (c.id === ownId || (c.name ?? '').startsWith('redis-incident-bot')) return 'the bot itself';
  if (WAITS_BY_DESIGN_FLAGS.test(c.flags ?? '')) return `flags ${c.flags}`;
  // Subscribers wait for messages, so their idle time says nothing about a leak; killing them drops subscriptions.
  if (Number(c.sub ?? 0) > 0 || Number(c.psub ?? 0) > 0 || Number(c.ssub ?? 0) > 0) return 'subscriber';
  return undefined;
}

interface Survey {
  /** Candidates: idle long enough and not exempt. */
  idle: ClientEntry[];
  /** Connections from the address, all kinds. */
  fromAddr: number;
  exempt: number;
  connected: number;
}

/** Reads `CLIENT LIST TYPE normal` (replicas, masters and pubsub clients are other types) once. */
async function survey(client: Redis, p: Params): Promise<Survey> {
  const ownId = String(await client.client('ID'));
  const list = parseClientList(String(await client.call('CLIENT', 'LIST', 'TYPE', 'normal')));
  const fromAddr = list.filter((c) => clientIp(c) === p.addr);
  const idle: ClientEntry[] = [];
  let exempt = 0;
  for (const c of fromAddr) {
    if (Number(c.idle ?? 0) < p.minIdleSeconds) continue;
    if (exemption(c, ownId)) exempt++;
    else idle.push(c);
  }
  return { idle, fromAddr: fromAddr.length, exempt, connected: list.length };
}

function figures(s: Survey, p: Params): Figures {
  return {
    addr: p.addr,
    idle_clients: s.idle.length,
    addr_clients: s.fromAddr,
    exempt_idle_clients: s.exempt,
    normal_clients: s.connected,
  };
}

/**
 * Closes the connections of one client address that have been idle at least `minIdleSeconds`, one by one with
 * `CLIENT KILL ID <id>` (never `CLIENT KILL ADDR`, which would also close that address's active connections).
 * Reads `CLIENT LIST TYPE normal` (O(clients)) before and after. Never closes: the bot's own connection,
 * replicas/masters (flags S/M, and they are not type normal), pubsub subscribers and MONITOR clients, blocked
 * clients (flag b: a queue worker in BLPOP is idle by design), clients inside MULTI (x) or with client-side caching
 * tracking on (t). At most {@link MAX_KILLS} per run. The usual cause is a leak (a connection per request instead of a
 * pool): the application must be fixed; this buys connection slots back.
 */
export const killIdleClientsAction: RemediationAction<typeof ParamsSchema> = {
  name: 'kill-idle-clients',
  title: 'Close idle connections of one client address',
  paramsSchema: ParamsSchema,
  planOptionsSchema: PlanOptionsSchema,
  workloads: ['cache', 'session', 'queue'],
  risk: 'the application at that address sees closed connections; a healthy pool reconnects on demand, a leaking one opens new ones',
  plan(metrics, options) {
    const o = PlanOptionsSchema.parse(options);
    const top = metrics['client_list.top_addr'];
    const idle = Number(metrics['client_list.top_addr_idle_clients'] ?? 0);
    if (typeof top !== 'string' || !top || !(idle > 0)) return undefined;
    const parsed = ParamsSchema.safeParse({ addr: ipOf(top), minIdleSeconds: o.minIdleSeconds });
    return parsed.success ? parsed.data : undefined;
  },
  command: (p) =>
    `CLIENT KILL ID <id> for each client of ${p.addr} idle ≥ ${p.minIdleSeconds} s (at most ${MAX_KILLS})`,
  async precondition(ctx, p) {
    const s = await survey(ctx.client, p);
    const before = figures(s, p);
    if (!s.idle.length) {
      return {
        ok: false,
        reason: `no client of ${p.addr} is idle ≥ ${p.minIdleSeconds} s now (${s.fromAddr} connections from it, ${s.exempt} exempt)`,
        before,
      };
    }
    return {
      ok: true,
      reason: `${s.idle.length} of ${s.fromAddr} connections from ${p.addr} idle ≥ ${p.minIdleSeconds} s`,
      before,
    };
  },
  async execute(ctx, p) {
    // Re-read just before killing: only connections idle right now, by ID, never the whole address.
    const s = await survey(ctx.client, p);
    const ids = s.idle.slice(0, MAX_KILLS).map((c) => c.id ?? '');
    let killed = 0;
    for (let i = 0; i < ids.length; i += KILL_BATCH) {
      const pipe = ctx.client.pipeline();
      for (const id of ids.slice(i, i + KILL_BATCH)) pipe.call('CLIENT', 'KILL', 'ID', id);
      for (const [err, n] of (await pipe.exec()) ?? []) if (!err) killed += Number(n) || 0;
    }
    const capped = s.idle.length > MAX_KILLS ? ` (capped at ${MAX_KILLS} of ${s.idle.length})` : '';
    return `closed ${killed} idle connection(s) of ${p.addr}${capped}`;
  },
  async verify(ctx, p, before) {
    const s = await survey(ctx.client, p);
    const after = figures(s, p);
    const left = s.idle.length;
    const summary =
      `connections from ${p.addr}: ${before.addr_clients} → ${s.fromAddr}; idle ≥ ${p.minIdleSeconds} s: ` +
      `${before.idle_clients} → ${left}; normal clients ${before.normal_clients} → ${s.connected}`;
    if (left > 0) {
      return {
        ok: false,
        summary: `${summary}. ${left} idle connection(s) remain (cap reached or new ones went idle)`,
        after,
      };
    }
    if (s.fromAddr >= Number(before.addr_clients)) {
      return {
        ok: false,
        summary: `${summary}. The address reopened as many connections as were closed: the leak is still running`,
        after,
      };
    }
    return { ok: true, summary, after };
  },
};
