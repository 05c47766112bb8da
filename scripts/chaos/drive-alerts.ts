import type { AlertmanagerProcess } from '../../src/devtools/alertmanager-process.js';
import type { DriveClock } from './clock.js';
import type { PlannedAlert } from './plan.js';

const changeOf = (a: PlannedAlert, status: 'firing' | 'resolved') => `${a.alertname}|${a.instance}|${status}`;

function amAlert(clock: DriveClock, a: PlannedAlert, endsAt?: string) {
  return {
    labels: { alertname: a.alertname, instance: a.instance, job: 'redis', severity: 'critical' },
    annotations: { summary: `${a.alertname} on ${a.instance}` },
    startsAt: new Date(clock.time(a.fireAtMs)).toISOString(),
    ...(endsAt ? { endsAt } : {}),
    generatorURL: 'http://prometheus.chaos:9090/graph',
  };
}

/**
 * Posts each planned alert change to Alertmanager's API when it is due (all that are due in one POST), adding
 * `alertname|instance|status` to `posted` once Alertmanager took it; re-posts the firing ones every 30 s as
 * Prometheus does, so none times out inside Alertmanager during the run.
 */
export async function driveAlerts(
  am: AlertmanagerProcess,
  clock: DriveClock,
  alerts: readonly PlannedAlert[],
  posted: Set<string>,
  say: (text: string) => void,
): Promise<void> {
  const events = alerts
    .flatMap((a) => [
      { at: a.fireAtMs, a, status: 'firing' as const },
      ...(a.resolveAtMs === undefined ? [] : [{ at: a.resolveAtMs, a, status: 'resolved' as const }]),
    ])
    .sort((x, y) => x.at - y.at);
  let lastKeepAlive = Date.now();
  while (events.length > 0) {
    await clock.at(events[0]?.at ?? 0);
    const due = events.filter((e) => clock.time(e.at) <= Date.now());
    const now = new Date().toISOString();
    try {
      await am.postAlerts(due.map((e) => amAlert(clock, e.a, e.status === 'resolved' ? now : undefined)));
      for (const e of due) {
        posted.add(changeOf(e.a, e.status));
        events.splice(events.indexOf(e), 1);
      }
    } catch (err) {
      say(`alertmanager refused a batch (${(err as Error).message}); retrying`);
      await clock.sleep(500);
    }
    if (Date.now() - lastKeepAlive > 30_000) {
      lastKeepAlive = Date.now();
      const firing = alerts.filter((a) => posted.has(changeOf(a, 'firing')) && !posted.has(changeOf(a, 'resolved')));
      await am.postAlerts(firing.map((a) => amAlert(clock, a))).catch(() => {});
    }
  }
}
