import { createHash } from 'node:crypto';
import type { ChainableCommander, Redis } from 'ioredis';
import { alertChangesSummaryMessage, alertEventMessage } from '../blocks/incident-card.js';
import type { Target } from '../config/config-file.js';
import type { DiagnosisJobs } from '../diagnostics/diagnosis-job.js';
import { type AlertState, type Incident, newIncident, severityFromLabel } from '../incidents/incident.js';
import type { IncidentStore } from '../incidents/incident-store.js';
import type { IncidentThread } from '../incidents/incident-thread.js';
import type { Timeline } from '../incidents/timeline.js';
import { commit } from '../kernel/commit.js';
import { withLock } from '../kernel/lock.js';
import type { Logger } from '../kernel/logger.js';
import type { OwedJobs } from '../kernel/owed-jobs.js';
import { utc } from '../kernel/time.js';
import { matchRunbook } from '../runbooks/match-runbook.js';
import type { Runbook } from '../runbooks/runbook-schema.js';
import { describeAlertSource, type TargetRegistry } from '../targets/target-registry.js';
import type { Alert, Webhook } from './webhook-schema.js';

export interface AlertServiceDeps {
  redis: Redis;
  store: IncidentStore;
  timeline: Timeline;
  thread: IncidentThread;
  targets: TargetRegistry;
  runbooks: readonly Runbook[];
  /** Diagnoses owed by alert changes, committed with them and enqueued after. */
  jobs: OwedJobs<DiagnosisJobs>;
  defaultChannel: string;
  prefix: string;
  /** A new group for a target with an open incident younger than this joins it; 0 never joins. */
  groupWindowMs: number;
  /** Withdraws an incident's pending proposals when it resolves (remediation's ProposalService fits). */
  proposals: { withdrawPending(incidentId: string): Promise<unknown> };
  /** Queues an incident's own channel when its severity calls for one (incidents' IncidentChannels fits). */
  channels: { ensureFor(incident: Incident): Promise<void> };
  logger: Logger;
}

/**
 * Alert changes of one notification posted as messages of their own; the rest are summed up in one message (the
 * timeline and the card still have every alert). Keeps a group of thousands from flooding the thread and Slack.
 */
export const MAX_ALERT_MESSAGES = 20;

const digest = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 24);

function toState(a: Alert): AlertState {
  return {
    fingerprint: a.fingerprint,
    alertname: a.labels.alertname ?? '',
    status: a.status,
    startsAt: a.startsAt,
    endsAt: a.endsAt,
    summary: a.annotations.summary ?? '',
    description: a.annotations.description ?? '',
    labels: a.labels,
    generatorURL: a.generatorURL,
    runbookUrl: a.annotations.runbook_url ?? '',
    refires: 0,
  };
}

/**
 * How an alert compares with what the incident knows, by Alertmanager's own timestamps (notifications can arrive
 * out of order: a retried or re-run job, an HA pair): `new` changes the incident, `same` is a re-send, `stale` is
 * older than what is known (a firing of an episode already resolved, or of an older episode) and is ignored.
 */
export function compareAlert(prev: AlertState | undefined, next: AlertState): 'new' | 'same' | 'stale' {
  if (!prev) return 'new';
  const a = Date.parse(prev.startsAt);
  const b = Date.parse(next.startsAt);
  if (b < a) return 'stale';
  // A new startsAt: it resolved and fired again between two notifications (flapping), or a newer episode resolved.
  if (b > a) return 'new';
  if (prev.status === next.status) return 'same';
  // Same episode: firing → resolved is news; resolved → firing is a late copy of what came before the resolution.
  return next.status === 'resolved' ? 'new' : 'stale';
}

/** What a notification says, for recognising a byte-for-byte re-send: each alert's state and the truncation. */
export function notificationDigest(webhook: Webhook): string {
  const alerts = webhook.alerts
    .map((a) => `${a.fingerprint}|${a.status}|${a.startsAt}|${a.endsAt}`)
    .sort()
    .join('\n');
  return digest(`${alerts}\n${webhook.truncatedAlerts}`);
}

/** The state-Redis key holding the digest of the last notification applied for a group (see notificationDigest). */
export function groupDigestKey(prefix: string, groupKey: string): string {
  return `${prefix}:group-digest:${digest(groupKey)}`;
}

/**
 * Turns Alertmanager notifications into incidents: one incident and one thread per alert group, re-sends ignored,
 * state changes recorded and shown, diagnosis queued for newly firing alerts. State first: each notification's
 * changes (alert states, timeline, status) commit in one MULTI with the Slack effects they owe (alert messages
 * under stable keys, the card) and the diagnoses they start; the outbox and the job sweeper do the rest. A retried
 * job finds the changes made and owes nothing twice; a Slack outage delays messages and loses nothing.
 */
export class AlertService {
  constructor(private readonly d: AlertServiceDeps) {}

  async handle(webhook: Webhook, receivedAt: string): Promise<{ incidentId: string; changes: number }> {
    const lockKey = `${this.d.prefix}:lock:group:${digest(webhook.groupKey)}`;
    return withLock(this.d.redis, lockKey, 30_000, () => this.apply(webhook, receivedAt));
  }

  /** The group's incident: bound already, joined to an open one for the same target, or opened now. */
  private async incidentFor(webhook: Webhook, receivedAt: string): Promise<Incident> {
    const bound = await this.d.store.findByGroup(webhook.groupKey);
    if (bound) {
      const incident = await this.d.store.get(bound);
      if (incident) return incident;
    }
    const first = webhook.alerts[0] as Alert;
    const labels = { ...webhook.commonLabels, ...first.labels };
    const target = this.d.targets.forLabels(labels);
    if (!target || this.d.groupWindowMs <= 0) return this.openIncident(webhook, receivedAt, bound);
    // Serialise per target, search and creation together, so groups for one Redis arriving at once (on any replica)
    // end in one incident. Contention is a deferral of the job (LOCK_BUSY), not an error.
    return withLock(this.d.redis, `${this.d.prefix}:lock:target:${digest(target.name)}`, 30_000, async () => {
      const now = Date.parse(receivedAt);
      const open = await this.d.store.newestOpenForTarget(target.name, now - this.d.groupWindowMs);
      if (!open) return this.openIncident(webhook, receivedAt, bound);
      const alertname = webhook.commonLabels.alertname ?? first.labels.alertname ?? 'alert';
      const source = describeAlertSource(webhook.commonLabels.instance ? webhook.commonLabels : first.labels);
      const tx = this.d.store.bindGroupIn(this.d.store.multi(), webhook.groupKey, open.id);
      this.d.timeline.appendIn(tx, open.id, {
        type: 'alert.grouped',
        actor: 'alertmanager',
        text: `Alert group ${alertname} (${source}) joined this incident: same target ${target.name}, open incident`,
        data: { groupKey: webhook.groupKey },
      });
      await commit(tx);
      return open;
    });
  }

  /**
   * Opens the group's incident in one MULTI: the record, its group binding, the "opened" timeline entry and the
   * card it owes. `id` is the one a crashed earlier attempt bound already (its record never committed).
   */
  private async openIncident(webhook: Webhook, receivedAt: string, id?: string): Promise<Incident> {
    const first = webhook.alerts[0] as Alert;
    const labels = { ...webhook.commonLabels, ...first.labels };
    const target = this.d.targets.forLabels(labels);
    const alertname = webhook.commonLabels.alertname ?? first.labels.alertname ?? 'alert';
    const source = describeAlertSource(webhook.commonLabels.instance ? webhook.commonLabels : first.labels);
    const incident = newIncident({
      id: id ?? (await this.d.store.nextId()),
      title: webhook.commonAnnotations.summary ?? `${alertname} (${source})`,
      severity: severityFromLabel(webhook.commonLabels.severity ?? first.labels.severity),
      target: target?.name ?? '',
      targetHint: source,
      channel: target?.channel ?? this.d.defaultChannel,
      groupKey: webhook.groupKey,
      alertname,
      createdAt: receivedAt,
    });
    const tx = this.d.store.createIn(this.d.store.multi(), incident);
    this.d.store.bindGroupIn(tx, webhook.groupKey, incident.id);
    this.d.timeline.appendIn(tx, incident.id, {
      type: 'incident.opened',
      actor: 'alertmanager',
      at: receivedAt,
      text: `Incident opened from alert group ${alertname} (${source})`,
      data: { groupKey: webhook.groupKey, target: incident.target },
    });
    if (!target) {
      this.d.timeline.appendIn(tx, incident.id, {
        type: 'alert.unrouted',
        actor: 'bot',
        text: `No configured target matches ${source}; diagnostics cannot run`,
        data: { labels },
      });
    }
    this.d.thread.card(tx, incident.id);
    await commit(tx);
    return incident;
  }

  private async apply(webhook: Webhook, receivedAt: string): Promise<{ incidentId: string; changes: number }> {
    const incident = await this.incidentFor(webhook, receivedAt);
    await this.d.channels.ensureFor(incident);
    // Read in bulk: a group can hold thousands of alerts.
    const known = await this.d.store.getAlerts(
      incident.id,
      webhook.alerts.map((a) => a.fingerprint),
    );
    const tx = this.d.store.multi();
    let changes = 0;
    let resolved = false;
    const unposted = { firing: 0, resolved: 0 };
    // Diagnoses are owed for alerts that start firing; every firing alert's is flushed, so a retry enqueues what
    // an earlier attempt owed and could not enqueue.
    const planned = new Map<string, { runbook: Runbook; target: Target }>();
    const owed = new Set<string>();
    for (const alert of webhook.alerts) {
      const next = toState(alert);
      const prev = known.get(alert.fingerprint);
      const diag = next.status === 'firing' ? this.planDiagnosis(incident, next, planned) : undefined;
      if (compareAlert(prev, next) !== 'new') continue;
      if (diag) owed.add(diag);
      changes += 1;
      // Any firing change of a known alert is a re-fire: after a resolve, or with a new startsAt (it resolved and
      // fired again between two notifications). The count rides on the alert state for the card and the message.
      const refired = prev !== undefined && next.status === 'firing';
      next.refires = (prev?.refires ?? 0) + (refired ? 1 : 0);
      // A fingerprint listed twice in one notification is compared with its state as just planned.
      known.set(next.fingerprint, next);
      this.d.store.putAlertIn(tx, incident.id, next);
      this.d.timeline.appendIn(tx, incident.id, {
        type: next.status === 'firing' ? 'alert.fired' : 'alert.resolved',
        actor: 'alertmanager',
        // Events are stamped when the bot learns of them, so the timeline reads in order; Alertmanager's own
        // startsAt/endsAt are kept in the text and data (the postmortem's impact window uses them).
        text: `${next.status === 'firing' ? (refired ? 'Fired again (flapping)' : 'Fired') : 'Resolved'}: ${next.alertname} on ${describeAlertSource(next.labels)}${next.summary ? ` — ${next.summary}` : ''} (${next.status === 'firing' ? `since ${utc(next.startsAt)}` : `ended ${utc(next.endsAt)}`})`,
        data: {
          fingerprint: next.fingerprint,
          startsAt: next.startsAt,
          endsAt: next.endsAt,
          labels: next.labels,
          generatorURL: next.generatorURL,
          runbookUrl: next.runbookUrl,
        },
      });
      if (changes <= MAX_ALERT_MESSAGES) {
        this.d.thread.say(
          tx,
          incident.id,
          `alert:${incident.id}:${digest(`${next.fingerprint}|${next.status}|${next.startsAt}`)}`,
          alertEventMessage(next),
        );
      } else unposted[next.status] += 1;
    }
    if (changes === 0) {
      tx.discard();
      // A retry of a notification whose MULTI committed: enqueue what it owed, if the first attempt could not.
      await this.d.jobs.flush([...planned.keys()]);
      // And the withdrawal a resolution owes, if a crash came between its commit and the withdrawal.
      if (incident.status === 'resolved') await this.d.proposals.withdrawPending(incident.id);
      await this.recordDigest(webhook);
      return { incidentId: incident.id, changes };
    }
    if (changes > 0) {
      this.reportRest(tx, incident.id, unposted, webhook.truncatedAlerts, notificationDigest(webhook));
      resolved = await this.statusIn(tx, incident, known);
      for (const jobId of owed) {
        const plan = planned.get(jobId);
        if (!plan) continue;
        const { runbook, target } = plan;
        this.d.jobs.oweIn(
          tx,
          'diagnostics',
          { incidentId: incident.id, target: target.name, runbook: runbook.name, requestedBy: 'alertmanager' },
          jobId,
        );
      }
      this.d.thread.card(tx, incident.id);
    }
    tx.set(groupDigestKey(this.d.prefix, webhook.groupKey), notificationDigest(webhook), 'EX', 86_400);
    await commit(tx);
    await this.d.jobs.flush([...planned.keys()]);
    // Pending fixes are withdrawn once the incident resolved (redrawn without buttons, the card says so).
    if (resolved) await this.d.proposals.withdrawPending(incident.id);
    return { incidentId: incident.id, changes };
  }

  /** Remembers this notification as applied, so the web edge answers its re-sends without a job. */
  private async recordDigest(webhook: Webhook): Promise<void> {
    await this.d.redis.set(groupDigestKey(this.d.prefix, webhook.groupKey), notificationDigest(webhook), 'EX', 86_400);
  }

  /** One message for the changes past MAX_ALERT_MESSAGES and the alerts Alertmanager left out; those on the timeline. */
  private reportRest(
    tx: ChainableCommander,
    incidentId: string,
    unposted: { firing: number; resolved: number },
    truncated: number,
    notification: string,
  ): void {
    if (truncated > 0) {
      this.d.timeline.appendIn(tx, incidentId, {
        type: 'alert.truncated',
        actor: 'alertmanager',
        text: `Alertmanager left ${truncated} alert(s) of this group out of the notification (webhook_configs.max_alerts)`,
        data: { truncatedAlerts: truncated },
      });
    }
    if (unposted.firing + unposted.resolved > 0 || truncated > 0) {
      this.d.thread.say(
        tx,
        incidentId,
        `alerts-summary:${incidentId}:${notification}`,
        alertChangesSummaryMessage({ ...unposted, truncated }),
      );
    }
  }

  /** Plans the alert's diagnosis (one per runbook, target and firing episode); returns its job id, if any. */
  private planDiagnosis(
    incident: Incident,
    alert: AlertState,
    plan: Map<string, { runbook: Runbook; target: Target }>,
  ): string | undefined {
    const target =
      this.d.targets.forLabels(alert.labels) ?? (incident.target ? this.d.targets.get(incident.target) : undefined);
    const runbook = matchRunbook(this.d.runbooks, alert.labels);
    if (!target || !runbook) {
      this.d.logger.debug(
        { incidentId: incident.id, alertname: alert.alertname, target: target?.name, runbook: runbook?.name },
        'no diagnosis for alert',
      );
      return undefined;
    }
    // One diagnosis per runbook and target per firing episode; the job id makes re-sends a no-op in BullMQ too.
    const key = `diag-${incident.id}-${digest(`${runbook.name}|${target.name}|${alert.startsAt}`)}`;
    plan.set(key, { runbook, target });
    return key;
  }

  /**
   * Adds the status change to `tx`: resolved when every alert in the incident has resolved (with the changes of
   * this notification, `changed`, over the stored states); reopened when one fires again. True when it resolves.
   * An incident opened by hand (no group key: `/incident new`, `/redis diag`) that alerts joined is closed by its
   * commander, not by them.
   */
  private async statusIn(
    tx: ChainableCommander,
    incident: Incident,
    changed: Map<string, AlertState>,
  ): Promise<boolean> {
    const all = new Map((await this.d.store.listAlerts(incident.id)).map((a) => [a.fingerprint, a]));
    for (const [fp, a] of changed) all.set(fp, a);
    const alerts = [...all.values()];
    const firing = alerts.some((a) => a.status === 'firing');
    if (!firing && incident.status === 'open' && incident.groupKey) {
      const resolvedAt =
        alerts
          .map((a) => a.endsAt)
          .sort()
          .pop() ?? new Date().toISOString();
      this.d.store.updateIn(tx, incident.id, { status: 'resolved', resolvedAt });
      this.d.timeline.appendIn(tx, incident.id, {
        type: 'incident.resolved',
        actor: 'alertmanager',
        text: `All alerts resolved (last ended ${utc(resolvedAt)})`,
        data: { resolvedAt },
      });
      return true;
    }
    if (firing && incident.status === 'resolved') {
      this.d.store.updateIn(tx, incident.id, { status: 'open', resolvedAt: '' });
    }
    return false;
  }
}
