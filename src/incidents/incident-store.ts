import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { AppError } from '../kernel/errors.js';
import { type AlertState, AlertStateSchema, type Incident, IncidentSchema } from './incident.js';

/** Incidents, their alert states and the alert-group index, kept in the bot's state Redis. */
export class IncidentStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
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

  async create(incident: Incident): Promise<void> {
    const valid = IncidentSchema.parse(incident);
    await this.redis.multi().hset(this.incidentKey(valid.id), valid).sadd(this.openKey(), valid.id).exec();
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

  async update(id: string, fields: Partial<Incident>): Promise<Incident> {
    const tx = this.redis.multi().hset(this.incidentKey(id), fields as Record<string, string>);
    if (fields.status === 'resolved') tx.srem(this.openKey(), id);
    if (fields.status === 'open') tx.sadd(this.openKey(), id);
    await tx.exec();
    return this.require(id);
  }

  async listOpen(): Promise<Incident[]> {
    const ids = await this.redis.smembers(this.openKey());
    const all = await Promise.all(ids.map((id) => this.get(id)));
    return all.filter((i): i is Incident => i !== undefined).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
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

  async findByGroup(groupKey: string): Promise<string | undefined> {
    return (await this.redis.get(this.groupKey(groupKey))) ?? undefined;
  }

  async findByThread(channel: string, threadTs: string): Promise<string | undefined> {
    return (await this.redis.get(`${this.prefix}:thread:${channel}:${threadTs}`)) ?? undefined;
  }

  async bindThread(id: string, channel: string, threadTs: string): Promise<void> {
    await this.redis
      .multi()
      .set(`${this.prefix}:thread:${channel}:${threadTs}`, id)
      .hset(this.incidentKey(id), { threadTs })
      .exec();
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
    await this.redis.hset(this.alertsKey(id), alert.fingerprint, JSON.stringify(alert));
  }

  async listAlerts(id: string): Promise<AlertState[]> {
    const raw = await this.redis.hvals(this.alertsKey(id));
    return raw.map((r) => AlertStateSchema.parse(JSON.parse(r)));
  }
}
