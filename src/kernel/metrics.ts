import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { withTimeout } from './timeout.js';

/**
 * The bot's Prometheus metrics on prom-client: every metric the bot exports is declared here (names, help, labels,
 * buckets), so README's table and this file are the one catalogue, and callers only observe. The counters keep the
 * names and labels of the hand-written registry they replace. Gauges that read the state Redis (queue depths, open
 * incidents, the Slack outbox's backlog) are read lazily, when Prometheus scrapes, through `gaugeSource`; each
 * read costs O(1) in open incidents and is bounded by a deadline.
 */

/** One sample of a gauge. */
export interface GaugeSample {
  labels: Record<string, string>;
  value: number;
}

/** A gauge's samples as a source reads them (`outboxGauges`' shape fits; `help` is taken from the declaration). */
export interface GaugeReading {
  name: string;
  values: GaugeSample[];
}

/** A gauge a source fills at scrape time. */
export interface GaugeDeclaration {
  name: string;
  help: string;
  labelNames?: readonly string[];
}

/** Kinds of Slack requests whose ack latency is measured (what `/slack/events` carried). */
export type AckKind = 'slash' | 'click' | 'view' | 'shortcut' | 'event' | 'other';

/** Slack Web API call outcomes as counted by `rib_slack_api_calls_total{result}`. */
export type SlackCallResult = 'ok' | 'rate_limited' | 'refused' | 'http_error' | 'network_error' | 'error';

const COUNTERS = {
  rib_webhooks_total: ['Alertmanager notifications received, by result', ['result']],
  rib_jobs_total: ['Background jobs finished, by queue and result', ['queue', 'result']],
  rib_slack_requests_ignored_total: ['Slack requests acknowledged and dropped, by reason', ['reason']],
  rib_slack_deliveries_total: ['Slack calls made by the outbox, by method and result', ['method', 'result']],
  rib_slack_api_calls_total: [
    'Slack Web API calls, by method and result (ok, rate_limited, refused, http_error, network_error, error)',
    ['method', 'result'],
  ],
  rib_metrics_collect_errors_total: [
    'Scrape-time gauge reads that failed or missed their deadline (the gauges keep their last reading), by source',
    ['source'],
  ],
} as const satisfies Record<string, readonly [string, readonly string[]]>;

export type CounterName = keyof typeof COUNTERS;

/** How long a scrape waits for one gauge source (the state Redis) before keeping the last reading. */
export const GAUGE_READ_DEADLINE_MS = 2000;

export class Metrics {
  /** The registry `/metrics` renders; default process metrics (CPU, memory, event loop, GC) included. */
  readonly registry = new Registry();
  private readonly counters = new Map<string, Counter<string>>();
  /** Counter values by name and label set, for `value()` (prom-client reads are async). */
  private readonly tallies = new Map<string, Map<string, number>>();
  private scrape = 0;

  /** Seconds from an Alertmanager notification's receipt to its incident's root card posted in Slack. */
  readonly webhookToThread = new Histogram({
    name: 'rib_webhook_to_thread_seconds',
    help: "Seconds from receiving the webhook that opened an incident to its root card's first successful chat.postMessage",
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900],
    registers: [this.registry],
  });

  /** Seconds from a Slack request's arrival on /slack/events to its answer (the ack) being sent. */
  readonly ack = new Histogram<'kind'>({
    name: 'rib_slack_ack_seconds',
    help: 'Seconds from a Slack request arriving on /slack/events to its ack sent, by kind (slash, click, view, shortcut, event, other)',
    labelNames: ['kind'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 3],
    registers: [this.registry],
  });

  /** Seconds a job's handler ran, by queue and result. */
  readonly jobDuration = new Histogram<'queue' | 'result'>({
    name: 'rib_job_duration_seconds',
    help: 'Seconds a background job ran, by queue and result (ok, error, deferred)',
    labelNames: ['queue', 'result'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });

  /** Seconds a Slack Web API call took (retries by the client included), by method. */
  readonly slackCallDuration = new Histogram<'method'>({
    name: 'rib_slack_api_call_seconds',
    help: 'Seconds a Slack Web API call took, by method',
    labelNames: ['method'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  /** Keys per second of a finished key scan (largest keys, hot keys by LFU), by probe. */
  readonly scanPace = new Histogram<'probe'>({
    name: 'rib_scan_keys_per_second',
    help: 'Keys per second of a finished key scan on a target, by probe',
    labelNames: ['probe'],
    buckets: [100, 500, 1000, 2500, 5000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000],
    registers: [this.registry],
  });

  /** Seconds a diagnostic probe step ran, by probe and result. */
  readonly probeDuration = new Histogram<'probe' | 'result'>({
    name: 'rib_probe_duration_seconds',
    help: 'Seconds a runbook step (one probe) ran, by probe and result (ok, error)',
    labelNames: ['probe', 'result'],
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });

  constructor(o: { defaultMetrics?: boolean } = {}) {
    for (const [name, [help, labelNames]] of Object.entries(COUNTERS)) this.declare(name, help, labelNames);
    if (o.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  private declare(name: string, help: string, labelNames: readonly string[]): void {
    this.counters.set(name, new Counter({ name, help, labelNames, registers: [this.registry] }));
    this.tallies.set(name, new Map());
  }

  /** Declares a counter beyond the catalogue (tests, tools); a name already declared is left as it is. */
  counter(name: string, help: string, labelNames: readonly string[] = []): void {
    if (!this.counters.has(name)) this.declare(name, help, labelNames);
  }

  /** Adds `by` to a counter's label set; the labels must be the ones the counter declares. */
  inc(name: CounterName | (string & {}), labels: Record<string, string> = {}, by = 1): void {
    const c = this.counters.get(name);
    if (!c) throw new Error(`undeclared counter ${name}`);
    c.inc(labels, by);
    const tally = this.tallies.get(name);
    const key = labelKey(labels);
    tally?.set(key, (tally.get(key) ?? 0) + by);
  }

  /** A counter's current value for one label set (in any order), for tests and the demo. */
  value(name: string, labels: Record<string, string> = {}): number {
    return this.tallies.get(name)?.get(labelKey(labels)) ?? 0;
  }

  /** Records one finished job: `rib_jobs_total{queue,result}` and `rib_job_duration_seconds{queue,result}`. */
  job(queue: string, result: 'ok' | 'error' | 'deferred', seconds: number): void {
    this.inc('rib_jobs_total', { queue, result });
    this.jobDuration.observe({ queue, result }, seconds);
  }

  /** One probe run: `rib_probe_duration_seconds{probe,result}` (the diagnostics' ProbeMeter). */
  probeRun(probe: string, ok: boolean, seconds: number): void {
    this.probeDuration.observe({ probe, result: ok ? 'ok' : 'error' }, seconds);
  }

  /** A finished key scan's keys per second: `rib_scan_keys_per_second{probe}`. */
  scanned(probe: string, keysPerSecond: number): void {
    this.scanPace.observe({ probe }, keysPerSecond);
  }

  /**
   * An incident's root card is in Slack: for one an alert group opened (`groupKey` set), observes the seconds since
   * its webhook was received (`createdAt`) in `rib_webhook_to_thread_seconds`. Hooked to IncidentStore.bindThread,
   * which runs right after the card's first successful chat.postMessage, whichever path posted it.
   */
  threadOpened(i: { createdAt: string; groupKey: string }, now = Date.now()): void {
    const opened = Date.parse(i.createdAt);
    if (!i.groupKey || !Number.isFinite(opened)) return;
    this.webhookToThread.observe(Math.max(0, now - opened) / 1000);
  }

  /** Counts one Slack Web API call. */
  slackCall(method: string, result: SlackCallResult, seconds?: number): void {
    this.inc('rib_slack_api_calls_total', { method, result });
    if (seconds !== undefined) this.slackCallDuration.observe({ method }, seconds);
  }

  /**
   * Declares gauges that one `read` fills when Prometheus scrapes (once per scrape however many gauges it fills).
   * A read that fails or misses GAUGE_READ_DEADLINE_MS leaves the gauges at their last reading and counts
   * `rib_metrics_collect_errors_total{source}`; the scrape itself always answers.
   */
  gaugeSource(source: string, gauges: readonly GaugeDeclaration[], read: () => Promise<GaugeReading[]>): void {
    let memo: { scrape: number; reading: Promise<GaugeReading[] | undefined> } | undefined;
    const readOnce = () => {
      if (memo?.scrape !== this.scrape) {
        const reading = withTimeout(read(), GAUGE_READ_DEADLINE_MS, `${source} gauges`).catch(() => {
          this.inc('rib_metrics_collect_errors_total', { source });
          return undefined;
        });
        memo = { scrape: this.scrape, reading };
      }
      return memo.reading;
    };
    for (const g of gauges) {
      // Declared again (a second route table on the same Metrics): the newest source reads it.
      if (this.registry.getSingleMetric(g.name)) this.registry.removeSingleMetric(g.name);
      new Gauge({
        name: g.name,
        help: g.help,
        labelNames: [...(g.labelNames ?? [])],
        registers: [this.registry],
        async collect() {
          const reading = await readOnce();
          const mine = reading?.find((r) => r.name === g.name);
          if (!mine) return;
          this.reset();
          for (const v of mine.values) this.set(v.labels, v.value);
        },
      });
    }
  }

  /** The Prometheus text exposition of every metric (gauge sources read now). */
  render(): Promise<string> {
    this.scrape += 1;
    return this.registry.metrics();
  }

  /** The Content-Type `/metrics` answers with. */
  get contentType(): string {
    return this.registry.contentType;
  }
}

function labelKey(labels: Record<string, string>): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
}
