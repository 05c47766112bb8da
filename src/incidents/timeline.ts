import type { ChainableCommander, Redis } from 'ioredis';
import { z } from 'zod';

export const TimelineEventTypeSchema = z.enum([
  'incident.opened',
  'incident.resolved',
  'alert.fired',
  'alert.resolved',
  'alert.unrouted',
  /** Another alert group for the same target joined an open incident. */
  'alert.grouped',
  /** Alertmanager left alerts of the group out of a notification (`webhook_configs.max_alerts`). */
  'alert.truncated',
  'diagnosis.started',
  'diagnosis.finished',
  'step.finished',
  'step.failed',
  'finding',
  'proposal.created',
  'proposal.approved',
  'proposal.rejected',
  'proposal.refused',
  /** A proposal still pending when its incident resolved, taken back. */
  'proposal.withdrawn',
  'action.executed',
  'action.failed',
  'action.skipped',
  /** An approved fix whose worker died mid-run, with what the target showed afterwards. */
  'action.interrupted',
  'note',
  'severity.changed',
  'commander.changed',
  /** The incident got its own Slack channel. */
  'channel.created',
  'export',
  /** A command run against the incident (who, what, and from where: slash command, mention, card). */
  'command',
  /** A Slack message filed on the timeline with the "Add to incident timeline" shortcut (author, time, permalink). */
  'message.filed',
]);
export type TimelineEventType = z.infer<typeof TimelineEventTypeSchema>;

/** One append-only entry of an incident's timeline (a Redis Stream entry). */
export const TimelineEventSchema = z.object({
  id: z.string(),
  at: z.string(),
  type: TimelineEventTypeSchema,
  /** Slack user id, `alertmanager` or `bot`. */
  actor: z.string(),
  text: z.string(),
  data: z.record(z.string(), z.unknown()).default({}),
});
export type TimelineEvent = z.infer<typeof TimelineEventSchema>;
export type NewTimelineEvent = Omit<TimelineEvent, 'id' | 'at'> & { at?: string };

/** Appends to and reads the per-incident Redis Stream `<prefix>:incident:<id>:timeline`. */
export class Timeline {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  key(incidentId: string): string {
    return `${this.prefix}:incident:${incidentId}:timeline`;
  }

  /** Appends one event; the stream id orders events even when two share a timestamp. */
  async append(incidentId: string, event: NewTimelineEvent): Promise<string> {
    const res = await this.appendIn(this.redis.multi(), incidentId, event).exec();
    const [err, id] = res?.[0] ?? [new Error('timeline: MULTI aborted'), undefined];
    if (err) throw err;
    return String(id ?? '');
  }

  /** The stream fields of an event, for a Lua script that appends it only when its change is made. */
  fields(event: NewTimelineEvent): string[] {
    return [
      'at',
      event.at ?? new Date().toISOString(),
      'type',
      event.type,
      'actor',
      event.actor,
      'text',
      event.text,
      'data',
      JSON.stringify(event.data ?? {}),
    ];
  }

  /** Adds the append to `multi`, so the event commits with the state change it records. */
  appendIn(multi: ChainableCommander, incidentId: string, event: NewTimelineEvent): ChainableCommander {
    return multi.xadd(this.key(incidentId), '*', ...this.fields(event));
  }

  /** All events in append order. */
  async read(incidentId: string): Promise<TimelineEvent[]> {
    const entries = await this.redis.xrange(this.key(incidentId), '-', '+');
    return entries.map(([id, fields]) => {
      const f: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i] as string] = fields[i + 1] as string;
      return TimelineEventSchema.parse({
        id,
        at: f.at,
        type: f.type,
        actor: f.actor,
        text: f.text,
        data: f.data ? JSON.parse(f.data) : {},
      });
    });
  }
}
