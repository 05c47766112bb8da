import { createHash } from 'node:crypto';
import type { ChainableCommander, Redis } from 'ioredis';
import { commit } from '../kernel/commit.js';
import { AppError } from '../kernel/errors.js';
import { type AlertState, AlertStateSchema, type Incident, IncidentSchema } from './incident.js';
import { NEWEST_FOR_TARGET, PAGE, WRITE_INCIDENT } from './open-index-lua.js';

/** What the store tells its owner as it happens (metrics). */
export interface IncidentStoreHooks {
  /**
   * An incident's thread exists: its root card's first post succeeded and was bound. `createdAt` is when the
   * incident opened (for one opened by an alert group, when its webhook was received); `groupKey` is empty for one
   * opened by hand.
   */
  threadOpened?(incident: { id: string; createdAt: string; groupKey: string }): void;
}

/** A slice of open incidents and how many the index holds in all. */
export interface OpenPage {
  total: number;
  incidents: Incident[];
}

/** Bumped when the index layout changes; the start-up backfill rebuilds an index of another version. */
const INDEX_VERSION = '1';

/**
 * Incidents, their alert states and the alert-group index, kept in the bot's state Redis. Open incidents are also
 * kept as indexes (sorted sets by channel, by target, by rank, all; see open-index-lua.ts), written in the same
 * script as every status change, so the hot paths (a command without an id, `/incident status`, a new alert group
 * joining its target's incident, `/metrics`) cost the same with 10 or 50,000 incidents open.
 */
export class IncidentStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly hooks: IncidentStoreHooks = {},
  ) {}

  private incidentKey(id: string): string {
    return `${this.prefix}:incident:${id}`;
  }

  private alertsKey(id: string): string {
    return `${this.prefix}:incident:${id}:alerts`;
  }

  private groupKey(groupKey: string): string {
    // Alertmanager group keys are long and full of braces; a digest keeps the key short and hash-tag free.
    return `${this.prefix}:group:${createHash('sha256').update(groupKey).digest('hex').slice(0, 32)}`;
  }

  private openKey(): string {
    return `${this.prefix}:incidents:open`;
  }

  /** A new id people can say aloud; INCR makes it unique across replicas sharing the state Redis. */
  async nextId(): Promise<string> {
    const n = await this.redis.incr(`${this.prefix}:incident:seq`);
    return `INC-${n}`;
  }

  private write(mode: 'create' | 'update' | 'reindex', id: string, fields: Record<string, string>): Promise<unknown> {
    return this.redis.eval(WRITE_INCIDENT, 0, this.prefix, id, mode, ...Object.entries(fields).flat());
  }

  async create(incident: Incident): Promise<void> {
    await this.createIn(this.redis.multi(), incident).exec();
  }

  /** A MULTI on the state Redis, for a change that spans stores and owed effects. */
  multi(): ChainableCommander {
    return this.redis.multi();
  }

  /**
   * Commits what `build` adds to a MULTI once per `mark` (a request's stable key): a job retried after its change
   * committed finds the mark and changes nothing. The mark is kept 7 days. Resolves false when it was done before.
   */
  async commitOnce(mark: string, build: (tx: ChainableCommander) => void, value = '1'): Promise<boolean> {
    const key = `${this.prefix}:done:${mark}`;
    if (await this.redis.exists(key)) return false;
    const tx = this.redis.multi();
    build(tx);
    tx.set(key, value, 'EX', 7 * 86_400);
    await commit(tx);
    return true;
  }

  /** The value `commitOnce` kept for `mark`, undefined when it was not done (or over 7 days ago). */
  async done(mark: string): Promise<string | undefined> {
    return (await this.redis.get(`${this.prefix}:done:${mark}`)) ?? undefined;
  }

  /**
   * Adds the incident's creation, indexes included, to `multi`, so it commits with what else the change writes (its
   * timeline entry, the card it owes). The script's reply in the MULTI is 1.
   */
  createIn(multi: ChainableCommander, incident: Incident): ChainableCommander {
    const valid = IncidentSchema.parse(incident);
    return multi.eval(WRITE_INCIDENT, 0, this.prefix, valid.id, 'create', ...Object.entries(valid).flat());
  }

  /**
   * Adds a change of the incident's fields to `multi`, its index entries moved in the same script. The script's
   * reply in the MULTI is 1, or 0 when the incident does not exist (then nothing is written).
   */
  updateIn(multi: ChainableCommander, id: string, fields: Partial<Incident>): ChainableCommander {
    return multi.eval(WRITE_INCIDENT, 0, this.prefix, id, 'update', ...Object.entries(definedFields(fields)).flat());
  }

  async get(id: string): Promise<Incident | undefined> {
    const raw = await this.redis.hgetall(this.incidentKey(id));
    if (!raw.id) return undefined;
    return IncidentSchema.parse(raw);
  }

  async require(id: string): Promise<Incident> {
    const incident = await this.get(id);
    if (!incident) throw new AppError('INCIDENT_NOT_FOUND', `no incident ${id}`);
    return incident;
  }

  /**
   * Changes an incident's fields; a status (resolve, reopen), severity, channel or target change moves its index
   * entries in the same script. An incident that does not exist is not created: INCIDENT_NOT_FOUND.
   */
  async update(id: string, fields: Partial<Incident>): Promise<Incident> {
    const written = await this.write('update', id, definedFields(fields));
    if (written !== 1) throw new AppError('INCIDENT_NOT_FOUND', `no incident ${id}`);
    return this.require(id);
  }

  /** How many incidents are open: one ZCARD. */
  openCount(): Promise<number> {
    return this.redis.zcard(`${this.prefix}:open:all`);
  }

  private async page(
    index: string,
    start: number,
    stop: number,
    order: 'asc' | 'desc',
    hashes: 'all' | 'if-one' = 'all',
  ): Promise<OpenPage & { ids: string[] }> {
    const raw = (await this.redis.eval(PAGE, 0, this.prefix, index, start, stop, order, hashes)) as unknown[];
    const incidents: Incident[] = [];
    const ids: string[] = [];
    for (let i = 1; i + 1 < raw.length; i += 2) {
      ids.push(String(raw[i]));
      const incident = parseHash(raw[i + 1]);
      if (incident?.status === 'open') incidents.push(incident);
    }
    return { total: Number(raw[0] ?? 0), incidents, ids };
  }

  /**
   * Open incidents, most severe first, then newest first: `limit` of them from `offset`, and how many are open.
   * One round trip whatever is open (`/incident status` pages through it).
   */
  openByRank(offset: number, limit: number): Promise<OpenPage> {
    return this.page('rank', offset, offset + limit - 1, 'asc');
  }

  /**
   * The newest `limit` open incidents of a channel (optionally: of one target in it) and how many it has. One
   * round trip: a command without an id needs to know whether exactly one is open there.
   */
  openInChannel(channel: string, limit: number, target?: string): Promise<OpenPage> {
    const index = target ? `channel:${channel}:target:${target}` : `channel:${channel}`;
    return this.page(index, 0, limit - 1, 'desc');
  }

  /**
   * How many incidents are open in a channel (optionally: for one target), the newest `limit` ids, and the
   * incident itself when it is the only one: what a command without an id needs, in one round trip that reads one
   * hash at most however busy the channel is.
   */
  async onlyOpenInChannel(
    channel: string,
    limit: number,
    target?: string,
  ): Promise<{ total: number; ids: string[]; only?: Incident }> {
    const index = target ? `channel:${channel}:target:${target}` : `channel:${channel}`;
    const { total, ids, incidents } = await this.page(index, 0, limit - 1, 'desc', 'if-one');
    return total === 1 && incidents[0] ? { total, ids, only: incidents[0] } : { total, ids };
  }

  /** The newest open incident of `target` created at or after `sinceMs`: one round trip (a new alert group joins it). */
  async newestOpenForTarget(target: string, sinceMs: number): Promise<Incident | undefined> {
    const raw = (await this.redis.eval(NEWEST_FOR_TARGET, 0, this.prefix, target, Math.floor(sinceMs))) as unknown[];
    const incident = parseHash(raw[1]);
    return incident?.status === 'open' ? incident : undefined;
  }

  /**
   * Every open incident, oldest first. O(open incidents): for tools and tests, never for a path a person or a
   * webhook waits on (those use the indexes above).
   */
  async listOpen(): Promise<Incident[]> {
    const { incidents } = await this.page('all', 0, -1, 'asc');
    return incidents;
  }

  /**
   * Builds the open-incident indexes from the incidents the older open set names (and re-derives those the
   * indexes name), once per index version: idempotent, safe beside live updates (each incident is re-derived in
   * the script that writes it), and skipped at O(1) when the indexes are current and agree with the set in size.
   * Returns how many incidents it looked at (0 when skipped).
   */
  async ensureIndexes(): Promise<number> {
    const versionKey = `${this.prefix}:open:version`;
    const [version, setSize, indexed] = await Promise.all([
      this.redis.get(versionKey),
      this.redis.scard(this.openKey()),
      this.openCount(),
    ]);
    if (version === INDEX_VERSION && setSize === indexed) return 0;
    const ids = new Set([
      ...(await this.redis.smembers(this.openKey())),
      ...(await this.redis.zrange(`${this.prefix}:open:all`, '0', '-1')),
    ]);
    const all = [...ids];
    for (let i = 0; i < all.length; i += 500) {
      const tx = this.redis.pipeline();
      for (const id of all.slice(i, i + 500)) tx.eval(WRITE_INCIDENT, 0, this.prefix, id, 'reindex');
      const res = (await tx.exec()) ?? [];
      const failed = res.find(([err]) => err);
      if (failed?.[0]) throw failed[0];
    }
    await this.redis.set(versionKey, INDEX_VERSION);
    return all.length;
  }

  /**
   * Binds an Alertmanager group key to an incident id unless one is bound already; returns the bound id.
   * SET NX makes the first writer win when replicas race on the same notification.
   */
  async bindGroup(groupKey: string, id: string): Promise<{ id: string; created: boolean }> {
    const key = this.groupKey(groupKey);
    const ok = await this.redis.set(key, id, 'NX');
    if (ok === 'OK') return { id, created: true };
    const existing = await this.redis.get(key);
    return { id: existing ?? id, created: false };
  }

  /** Adds the group → incident binding to `multi` (callers hold the group's lock). */
  bindGroupIn(multi: ChainableCommander, groupKey: string, id: string): ChainableCommander {
    return multi.set(this.groupKey(groupKey), id);
  }

  async findByGroup(groupKey: string): Promise<string | undefined> {
    return (await this.redis.get(this.groupKey(groupKey))) ?? undefined;
  }

  async findByThread(channel: string, threadTs: string): Promise<string | undefined> {
    return (await this.redis.get(`${this.prefix}:thread:${channel}:${threadTs}`)) ?? undefined;
  }

  /** The incident whose own channel (declared with `/incident new --channel` or the card) is `channel`. */
  async findByIncidentChannel(channel: string): Promise<string | undefined> {
    return (await this.redis.get(`${this.prefix}:incident-channel:${channel}`)) ?? undefined;
  }

  /** Records an incident's own channel, and the channel → incident lookup, together. */
  async bindIncidentChannel(id: string, channel: string): Promise<void> {
    await this.redis
      .multi()
      .set(`${this.prefix}:incident-channel:${channel}`, id)
      .hset(this.incidentKey(id), { incidentChannel: channel })
      .exec();
  }

  /**
   * Records where an incident's root card was posted. Called once its first `chat.postMessage` succeeded, so the
   * first binding is when the incident's thread came to exist: `hooks.threadOpened` hears it then (and only then).
   */
  async bindThread(id: string, channel: string, threadTs: string): Promise<void> {
    const res = await this.redis
      .multi()
      .hmget(this.incidentKey(id), 'threadTs', 'createdAt', 'groupKey')
      .set(`${this.prefix}:thread:${channel}:${threadTs}`, id)
      .hset(this.incidentKey(id), { threadTs })
      .exec();
    const [before, createdAt, groupKey] = (res?.[0]?.[1] as Array<string | null> | undefined) ?? [];
    if (!before && createdAt) this.hooks.threadOpened?.({ id, createdAt, groupKey: groupKey ?? '' });
  }

  async getAlert(id: string, fingerprint: string): Promise<AlertState | undefined> {
    const raw = await this.redis.hget(this.alertsKey(id), fingerprint);
    return raw ? AlertStateSchema.parse(JSON.parse(raw)) : undefined;
  }

  /**
   * The stored state of each of `fingerprints` that the incident knows, in HMGETs of a thousand: a group of
   * thousands of alerts costs a handful of round trips, not one per alert.
   */
  async getAlerts(id: string, fingerprints: readonly string[]): Promise<Map<string, AlertState>> {
    const found = new Map<string, AlertState>();
    for (let i = 0; i < fingerprints.length; i += 1000) {
      const chunk = fingerprints.slice(i, i + 1000);
      const raw = await this.redis.hmget(this.alertsKey(id), ...chunk);
      raw.forEach((r, j) => {
        const fp = chunk[j];
        if (r && fp !== undefined) found.set(fp, AlertStateSchema.parse(JSON.parse(r)));
      });
    }
    return found;
  }

  async putAlert(id: string, alert: AlertState): Promise<void> {
    await this.putAlertIn(this.redis.multi(), id, alert).exec();
  }

  putAlertIn(multi: ChainableCommander, id: string, alert: AlertState): ChainableCommander {
    return multi.hset(this.alertsKey(id), alert.fingerprint, JSON.stringify(alert));
  }

  async listAlerts(id: string): Promise<AlertState[]> {
    const raw = await this.redis.hvals(this.alertsKey(id));
    return raw.map((r) => AlertStateSchema.parse(JSON.parse(r)));
  }
}

/** An incident from a flat HGETALL reply (`[field, value, …]`), or undefined when the hash is gone. */
function parseHash(raw: unknown): Incident | undefined {
  if (!Array.isArray(raw) || raw.length === 0) return undefined;
  const h: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) h[String(raw[i])] = String(raw[i + 1]);
  if (!h.id) return undefined;
  const parsed = IncidentSchema.safeParse(h);
  return parsed.success ? parsed.data : undefined;
}

/** The fields given a value (an update leaves the others as they are). */
function definedFields(fields: Partial<Incident>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).filter((e): e is [string, string] => typeof e[1] === 'string'));
}
