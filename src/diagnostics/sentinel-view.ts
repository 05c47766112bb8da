import { errorMessage } from '../kernel/errors.js';
import { redactText } from '../kernel/redact.js';
import { withTimeout } from '../kernel/timeout.js';
import type { Topology } from '../targets/topology.js';
import { tcpError } from './node-reach.js';

/** At most this many configured sentinels are asked; a deployment has 3 or 5. */
export const MAX_SENTINELS = 10;

/** What one sentinel says about one master name. */
export interface SentinelView {
  address: string;
  reachable: boolean;
  /** Why the sentinel could not be asked (redacted). */
  error?: string;
  /** `SENTINEL GET-MASTER-ADDR-BY-NAME`: where it sends clients; undefined when it names none. */
  masterAddr?: string;
  /** `SENTINEL MASTER` fields (flags, quorum, num-other-sentinels, config-epoch, failover-state…). */
  master?: Record<string, string>;
  /** `SENTINEL REPLICAS`: one field map per replica (ip, port, flags, master-link-status, master-host…). */
  replicas: Array<Record<string, string>>;
  /** `SENTINEL SENTINELS` (only when asked for the full view). */
  sentinels: Array<Record<string, string>>;
  /** `SENTINEL CKQUORUM` (only when asked for the full view). */
  ckquorum?: { ok: boolean; text: string };
  /** Errors of single commands on a reachable sentinel, e.g. "ERR No such master with that name". */
  commandErrors: string[];
}

/** A Sentinel reply given as a flat `[field, value, …]` array, as a map. */
export function fieldsOf(reply: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(reply)) return out;
  for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = String(reply[i + 1]);
  return out;
}

export function flagsOf(fields: Record<string, string> | undefined): string[] {
  return fields?.flags ? fields.flags.split(',') : [];
}

/** Sentinel flags the instance subjectively (s_down) or objectively (o_down) down. */
export function flaggedDown(fields: Record<string, string> | undefined): boolean {
  const flags = flagsOf(fields);
  return flags.includes('s_down') || flags.includes('o_down');
}

/** Flagged down, or the sentinel has lost its link to the instance. */
export function looksDown(fields: Record<string, string> | undefined): boolean {
  const flags = flagsOf(fields);
  return flags.includes('s_down') || flags.includes('o_down') || flags.includes('disconnected');
}

export function addressOf(fields: Record<string, string>): string {
  return `${fields.ip ?? '?'}:${fields.port ?? '?'}`;
}

/**
 * Asks every configured sentinel (at most {@link MAX_SENTINELS}, in parallel, each bounded by `timeoutMs`) about
 * master `name`. Commands: `SENTINEL GET-MASTER-ADDR-BY-NAME`, `SENTINEL MASTER`, `SENTINEL REPLICAS`, and with
 * `full` also `SENTINEL SENTINELS` and `SENTINEL CKQUORUM` — all O(number of known instances), answered from the
 * sentinel's memory.
 */
export async function readSentinels(
  topology: Topology,
  name: string,
  { timeoutMs, full = false }: { timeoutMs: number; full?: boolean },
): Promise<SentinelView[]> {
  return Promise.all(
    topology.sentinels.slice(0, MAX_SENTINELS).map(async (address): Promise<SentinelView> => {
      const view: SentinelView = { address, reachable: false, replicas: [], sentinels: [], commandErrors: [] };
      try {
        const s = await withTimeout(
          topology.sentinel(address),
          timeoutMs,
          `connect to sentinel ${address}`,
          'PROBE_TIMEOUT',
        );
        const ask = (...args: string[]) =>
          withTimeout(s.call('SENTINEL', ...args), timeoutMs, `SENTINEL ${args[0]}`, 'PROBE_TIMEOUT');
        const [addr, master, replicas, sentinels, ckquorum] = await Promise.allSettled([
          ask('GET-MASTER-ADDR-BY-NAME', name),
          ask('MASTER', name),
          ask('REPLICAS', name),
          full ? ask('SENTINELS', name) : Promise.resolve([]),
          full ? ask('CKQUORUM', name) : Promise.resolve(undefined),
        ]);
        view.reachable = true;
        const failed = (r: PromiseSettledResult<unknown>) => {
          if (r.status === 'rejected') view.commandErrors.push(redactText(errorMessage(r.reason)));
        };
        if (addr.status === 'fulfilled' && Array.isArray(addr.value) && addr.value.length >= 2) {
          view.masterAddr = `${addr.value[0]}:${addr.value[1]}`;
        }
        failed(addr);
        if (master.status === 'fulfilled') view.master = fieldsOf(master.value);
        failed(master);
        if (replicas.status === 'fulfilled' && Array.isArray(replicas.value)) {
          view.replicas = replicas.value.map(fieldsOf);
        }
        failed(replicas);
        if (sentinels.status === 'fulfilled' && Array.isArray(sentinels.value)) {
          view.sentinels = sentinels.value.map(fieldsOf);
        }
        failed(sentinels);
        if (full) {
          // CKQUORUM answers "+OK 3 usable Sentinels…" or an error "NOQUORUM 1 usable Sentinels…".
          view.ckquorum =
            ckquorum.status === 'fulfilled'
              ? { ok: true, text: String(ckquorum.value) }
              : { ok: false, text: redactText(errorMessage(ckquorum.reason)) };
        }
      } catch (err) {
        // ioredis only says "Connection is closed."; the socket's error names the cause.
        const socket = view.reachable ? undefined : await tcpError(address, timeoutMs);
        view.error = redactText(socket ?? errorMessage(err).replace(/^.*? is unreachable: /, ''));
      }
      return view;
    }),
  );
}

/** Which primary the sentinels name: the most named address, how many distinct ones, and who says what. */
export interface MasterAgreement {
  /** The address most sentinels name (the first sentinel's answer on a tie); undefined when none names one. */
  agreed?: string;
  distinct: number;
  /** Address → the sentinels naming it. */
  bySentinel: Map<string, string[]>;
}

export function masterAgreement(views: SentinelView[]): MasterAgreement {
  const bySentinel = new Map<string, string[]>();
  for (const v of views) {
    if (!v.masterAddr) continue;
    bySentinel.set(v.masterAddr, [...(bySentinel.get(v.masterAddr) ?? []), v.address]);
  }
  let agreed: string | undefined;
  let best = 0;
  for (const [addr, who] of bySentinel) {
    if (who.length > best) {
      agreed = addr;
      best = who.length;
    }
  }
  return { ...(agreed ? { agreed } : {}), distinct: bySentinel.size, bySentinel };
}

/** "127.0.0.1:6379 (by 10.0.0.1:26379, 10.0.0.2:26379); 10.0.0.9:6379 (by 10.0.0.3:26379)". */
export function describeDisagreement(agreement: MasterAgreement): string {
  return [...agreement.bySentinel].map(([addr, who]) => `${addr} (by ${who.join(', ')})`).join('; ');
}

/** The replicas the sentinels that name `master` know, one record per address (first sentinel's view wins). */
export function knownReplicas(views: SentinelView[], master: string | undefined): Array<Record<string, string>> {
  const seen = new Map<string, Record<string, string>>();
  for (const v of views) {
    if (master && v.masterAddr !== master) continue;
    for (const r of v.replicas) {
      const addr = addressOf(r);
      if (!seen.has(addr)) seen.set(addr, r);
    }
  }
  return [...seen.values()];
}

/** Highest `config-epoch` any sentinel reports: above 0 means at least one failover since monitoring began. */
export function configEpoch(views: SentinelView[]): number {
  return Math.max(0, ...views.map((v) => Number(v.master?.['config-epoch'] ?? 0)).filter(Number.isFinite));
}

/**
 * The likely former primary after a failover: a replica Sentinel lists as down that never reported a master of its
 * own (`master-host` "?"). Sentinel adds the demoted primary as a replica at `+switch-master`; until it restarts and
 * rejoins it has never answered as one. Undefined before any failover (config epoch 0).
 */
export function formerPrimary(views: SentinelView[], master: string | undefined): string | undefined {
  if (configEpoch(views) === 0) return undefined;
  const r = knownReplicas(views, master).find((x) => looksDown(x) && (x['master-host'] ?? '?') === '?');
  return r ? addressOf(r) : undefined;
}
