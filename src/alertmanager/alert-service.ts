import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { alertChangesSummaryMessage, alertEventMessage } from '../blocks/incident-card.js';
import type { Target } from '../config/config-file.js';
import type { DiagnosisJobs } from '../diagnostics/diagnosis-job.js';
import { type AlertState, type Incident, newIncident, severityFromLabel } from '../incidents/incident.js';
import type { IncidentStore } from '../incidents/incident-store.js';
import type { IncidentThread } from '../incidents/incident-thread.js';
import type { Timeline } from '../incidents/timeline.js';
import type { Enqueue } from '../kernel/enqueue.js';
import { withLock } from '../kernel/lock.js';
import type { Logger } from '../kernel/logger.js';
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
  queues: Enqueue<DiagnosisJobs>;
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

/** Whether this alert says something new compared with what the incident already knows. */
function isChange(prev: AlertState | undefined, next: AlertState): boolean {
  if (!prev) return true;
  if (prev.status !== next.status) return true;
  // Same status but a new startsAt: it resolved and fired again between two notifications (flapping).
  return next.status === 'firing' && prev.startsAt !== next.startsAt;
}

/**
 * Turns Alertmanager notifications into incidents: one incident and one thread per alert group, re-sends ignored,
 * state changes recorded and shown, diagnosis queued for newly firing alerts.
 */
export class AlertService {
  constructor(private readonly d: AlertServiceDeps) {}

  async handle(webhook: Webhook, receivedAt: string): Promise<{ incidentId: string; changes: number }> {
    const lockKey = `${this.d.prefix}:lock:group:${digest(webhook.groupKey)}`;
    return withLock(this.d.redis, lockKey, 30_000, () => this.apply(webhook, receivedAt));
  }

  private async openIncident(webhook: Webhook, receivedAt: string): Promise<Incident> {
    const first = webhook.alerts[0] as Alert;
    const labels = { ...webhook.commonLabels, ...first.labels };
    const target = this.d.targets.forLabels(labels);
    const alertname = webhook.commonLabels.alertname ?? first.labels.alertname ?? 'alert';
    const source = describeAlertSource(webhook.commonLabels.instance ? webhook.commonLabels : first.labels);
    const title = webhook.commonAnnotations.summary ?? `${alertname} (${source})`;
    if (target && this.d.groupWindowMs > 0) {
      // Serialise per target so two groups for the same Redis arriving together still end in one incident.
      const joined = await withLock(
        this.d.redis,
        `${this.d.prefix}:lock:target:${digest(target.name)}`,
        30_000,
        async () => {
          const now = Date.parse(receivedAt);
          const open = await this.d.store.newestOpenForTarget(target.name, now - this.d.groupWindowMs);
          if (!open) return undefined;
          const bound = await this.d.store.bindGroup(webhook.groupKey, open.id);
          if (bound.created) {
            await this.d.timeline.append(open.id, {
              type: 'alert.grouped',
              actor: 'alertmanager',
              text: `Alert group ${alertname} (${source}) joined this incident: same target ${target.name}, open incident`,
              data: { groupKey: webhook.groupKey },
            });
          }
          return this.d.store.require(bound.id);
        },
      );
      if (joined) return joined;
    }
    const candidate = await this.d.store.nextId();
    const bound = await this.d.store.bindGroup(webhook.groupKey, candidate);
    if (!bound.created) return this.d.store.require(bound.id);
    const incident = newIncident({
      id: bound.id,
      title,
      severity: severityFromLabel(webhook.commonLabels.severity ?? first.labels.severity),
      target: target?.name ?? '',
      targetHint: source,
      channel: target?.channel ?? this.d.defaultChannel,
      groupKey: webhook.groupKey,
      alertname,
      createdAt: receivedAt,
    });
    await this.d.store.create(incident);
    await this.d.timeline.append(incident.id, {
      type: 'incident.opened',
      actor: 'alertmanager',
      at: receivedAt,
      text: `Incident opened from alert group ${alertname} (${source})`,
      data: { groupKey: webhook.groupKey, target: incident.target },
    });
    if (!target) {
      await this.d.timeline.append(incident.id, {
        type: 'alert.unrouted',
        actor: 'bot',
        text: `No configured target matches ${source}; diagnostics cannot run`,
        data: { labels },
      });
    }
    return incident;
  }

  private async apply(webhook: Webhook, receivedAt: string): Promise<{ incidentId: string; changes: number }> {
    const existing = await this.d.store.findByGroup(webhook.groupKey);
    let incident = existing ? await this.d.store.require(existing) : await this.openIncident(webhook, receivedAt);
    await this.d.thread.ensureThread(incident);
    incident = await this.d.store.require(incident.id);
    await this.d.channels.ensureFor(incident);

    let changes = 0;
    const toDiagnose = new Map<string, { runbook: Runbook; target: Target }>();
    // Read in bulk: a group can hold thousands of alerts.
    const known = await this.d.store.getAlerts(
      incident.id,
      webhook.alerts.map((a) => a.fingerprint),
    );
    const unposted = { firing: 0, resolved: 0 };
    for (const alert of webhook.alerts) {
      const next = toState(alert);
      const prev = known.get(alert.fingerprint);
      if (!isChange(prev, next)) continue;
      changes += 1;
      // Any firing change of a known alert is a re-fire: after a resolve, or with a new startsAt (it resolved and
      // fired again between two notifications). The count rides on the alert state for the card and the message.
      const refired = prev !== undefined && next.status === 'firing';
      next.refires = (prev?.refires ?? 0) + (refired ? 1 : 0);
      // A fingerprint listed twice in one notification is compared with its state as just stored, as before.
      known.set(next.fingerprint, next);
      await this.d.store.putAlert(incident.id, next);
      await this.d.timeline.append(incident.id, {
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
      if (changes <= MAX_ALERT_MESSAGES) await this.d.thread.post(incident.id, alertEventMessage(next));
      else unposted[next.status] += 1;
      if (next.status === 'firing') this.planDiagnosis(incident, next, toDiagnose);
    }
    if (changes === 0) return { incidentId: incident.id, changes };
    await this.reportRest(incident.id, unposted, webhook.truncatedAlerts);

    await this.updateStatus(incident);
    for (const [key, { runbook, target }] of toDiagnose) {
      await this.d.queues.add(
        'diagnostics',
        { incidentId: incident.id, target: target.name, runbook: runbook.name, requestedBy: 'alertmanager' },
        key,
      );
    }
    await this.d.thread.refreshCard(incident.id);
    return { incidentId: incident.id, changes };
  }

  /** One message for the changes past MAX_ALERT_MESSAGES and the alerts Alertmanager left out; those on the timeline. */
  private async reportRest(
    incidentId: string,
    unposted: { firing: number; resolved: number },
    truncated: number,
  ): Promise<void> {
    if (truncated > 0) {
      await this.d.timeline.append(incidentId, {
        type: 'alert.truncated',
        actor: 'alertmanager',
        text: `Alertmanager left ${truncated} alert(s) of this group out of the notification (webhook_configs.max_alerts)`,
        data: { truncatedAlerts: truncated },
      });
    }
    if (unposted.firing + unposted.resolved > 0 || truncated > 0) {
      await this.d.thread.post(incidentId, alertChangesSummaryMessage({ ...unposted, truncated }));
    }
  }

  private planDiagnosis(
    incident: Incident,
    alert: AlertState,
    plan: Map<string, { runbook: Runbook; target: Target }>,
  ): void {
    const target =
      this.d.targets.forLabels(alert.labels) ?? (incident.target ? this.d.targets.get(incident.target) : undefined);
    const runbook = matchRunbook(this.d.runbooks, alert.labels);
    if (!target || !runbook) {
      this.d.logger.info(
        { incidentId: incident.id, alertname: alert.alertname, target: target?.name, runbook: runbook?.name },
        'no diagnosis for alert',
      );
      return;
    }
    // One diagnosis per runbook and target per firing episode; the job id makes re-sends a no-op in BullMQ too.
    const key = `diag-${incident.id}-${digest(`${runbook.name}|${target.name}|${alert.startsAt}`)}`;
    plan.set(key, { runbook, target });
  }

  /**
   * Resolves the incident when every alert in it has resolved; reopens it when one fires again. An incident opened
   * by hand (no group key: `/incident new`, `/redis diag`) that alerts joined is closed by its commander, not by them.
   */
  private async updateStatus(incident: Incident): Promise<void> {
    const alerts = await this.d.store.listAlerts(incident.id);
    const firing = alerts.some((a) => a.status === 'firing');
    if (!firing && incident.status === 'open' && incident.groupKey) {
      const resolvedAt =
        alerts
          .map((a) => a.endsAt)
          .sort()
          .pop() ?? new Date().toISOString();
      // Before the status: a retry after a crash in between still finds the incident open and withdraws again.
      await this.d.proposals.withdrawPending(incident.id);
      await this.d.store.update(incident.id, { status: 'resolved', resolvedAt });
      await this.d.timeline.append(incident.id, {
        type: 'incident.resolved',
        actor: 'alertmanager',
        text: `All alerts resolved (last ended ${utc(resolvedAt)})`,
        data: { resolvedAt },
      });
    } else if (firing && incident.status === 'resolved') {
      await this.d.store.update(incident.id, { status: 'open', resolvedAt: '' });
    }
  }
}
