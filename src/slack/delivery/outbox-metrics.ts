import type { Metrics } from '../../kernel/metrics.js';
import { type Outbox, outboxGauges } from './outbox.js';

/**
 * Registers the outbox's gauges on `/metrics`, read when Prometheus scrapes (one MULTI: a ZCARD and the oldest
 * member per kind, plus the dead-letter count — O(1) in open incidents): `rib_slack_outbox_backlog{kind}`,
 * `rib_slack_outbox_oldest_age_seconds{kind}`, `rib_slack_outbox_dead_letters`.
 */
export function registerOutboxGauges(metrics: Pick<Metrics, 'gaugeSource'>, outbox: Outbox): void {
  metrics.gaugeSource(
    'outbox',
    [
      {
        name: 'rib_slack_outbox_backlog',
        help: 'Slack effects owed and not yet delivered, by kind',
        labelNames: ['kind'],
      },
      {
        name: 'rib_slack_outbox_oldest_age_seconds',
        help: 'Age of the oldest owed Slack effect, by kind (0 when none)',
        labelNames: ['kind'],
      },
      { name: 'rib_slack_outbox_dead_letters', help: 'Dead letters kept' },
    ],
    () => outboxGauges(outbox),
  );
}
