import type { AddressInfo } from 'node:net';
import type { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { AlertService } from './alertmanager/alert-service.js';
import { builtInCatalogs } from './catalogs.js';
import { IncidentCommandIntake } from './commands/incident/intake.js';
import { IncidentLifecycle } from './commands/incident/lifecycle.js';
import { IncidentCommandWorker } from './commands/incident/worker.js';
import { RedisCommandIntake } from './commands/redis/intake.js';
import { RedisCommandWorker } from './commands/redis/worker.js';
import { ThreadCommands } from './commands/thread/thread-commands.js';
import type { Config } from './config/load-config.js';
import { DiagnosisService } from './diagnostics/diagnosis-service.js';
import { meteredProbes } from './diagnostics/metered-probes.js';
import { PROBES } from './diagnostics/probe-catalog.js';
import { TargetSlots } from './diagnostics/target-slots.js';
import { createEdgeServer } from './http/edge-server.js';
import { httpRoutes } from './http/routes.js';
import { IncidentChannels } from './incidents/incident-channel.js';
import { IncidentStore } from './incidents/incident-store.js';
import { IncidentThread } from './incidents/incident-thread.js';
import { Timeline } from './incidents/timeline.js';
import { JOBS, type JobDataByName } from './jobs/catalog.js';
import { createJobHandlers } from './jobs/handlers.js';
import { producerConnection, Queues } from './jobs/queues.js';
import { startWorkers } from './jobs/worker.js';
import { errorMessage } from './kernel/errors.js';
import type { Logger } from './kernel/logger.js';
import { Metrics } from './kernel/metrics.js';
import { OwedJobs } from './kernel/owed-jobs.js';
import { RateLimiter } from './kernel/rate-limit.js';
import { trackRedisErrors } from './kernel/redis-availability.js';
import { SeenOnce } from './kernel/seen-once.js';
import { withTimeout } from './kernel/timeout.js';
import { ACTIONS } from './remediation/action-catalog.js';
import { ExecutionLedger, ExecutionPhaseSchema } from './remediation/execution-ledger.js';
import { ExecutionRecovery } from './remediation/execution-recovery.js';
import { ProposalService } from './remediation/proposal-service.js';
import { ProposalStore } from './remediation/proposal-store.js';
import { RemediationWorker } from './remediation/remediation-worker.js';
import { assertDefaultRunbooks } from './runbooks/default-runbook.js';
import { loadRunbooksOrThrow } from './runbooks/runbook-loader.js';
import { Deliverer } from './slack/delivery/deliverer.js';
import { createDeliveryClient } from './slack/delivery/delivery-client.js';
import { Outbox } from './slack/delivery/outbox.js';
import { registerOutboxGauges } from './slack/delivery/outbox-metrics.js';
import { createSlackApp, type SlackTransport } from './slack/transport/app.js';
import { registerListeners } from './slack/transport/register-listeners.js';
import { createWebClient, SlackNotifier } from './slack/transport/slack-notifier.js';
import { TargetRegistry } from './targets/target-registry.js';

export interface Bot {
  /** Listens on `port` (0: any free port) when the role serves HTTP; returns the base URL. */
  start(port?: number): Promise<string | undefined>;
  /** Stops taking work, lets running jobs finish, closes connections. Safe to call twice. */
  stop(): Promise<void>;
  metrics: Metrics;
  services: { store: IncidentStore; timeline: Timeline; proposals: ProposalStore; queues: Queues; outbox: Outbox };
}

/**
 * Wires the bot from a validated config: state Redis → stores → Slack client → services → HTTP edge and workers
 * (per ROLE). No business logic here. Throws on an invalid runbook before anything connects.
 */
export function createBot(config: Config, logger: Logger): Bot {
  const { env, file } = config;
  const runbooks = loadRunbooksOrThrow(env.RUNBOOKS_DIR, builtInCatalogs());
  assertDefaultRunbooks(file.targets, runbooks);
  const redis = new Redis(env.REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 3 });
  redis.on('error', (err) => logger.warn({ err: err.message }, 'state redis error'));
  trackRedisErrors(redis);
  // BullMQ workers want a connection with maxRetriesPerRequest null (blocking commands, reconnect forever).
  const workerConnection = new Redis(env.REDIS_URL, { maxRetriesPerRequest: null });
  workerConnection.on('error', (err) => logger.warn({ err: err.message }, 'queue redis error'));
  // Producers and the Slack replay marks answer someone: they fail fast while the state Redis is away.
  const edgeConnection = producerConnection(env.REDIS_URL);
  edgeConnection.on('error', (err) => logger.debug({ err: err.message }, 'producer redis error'));
  trackRedisErrors(edgeConnection);
  const metrics = new Metrics();
  metrics.counter('rib_webhooks_total', 'Alertmanager notifications received, by result');
  metrics.counter('rib_jobs_total', 'Background jobs finished, by queue and result');
  metrics.counter('rib_slack_requests_ignored_total', 'Slack requests acknowledged and dropped, by reason');

  const store = new IncidentStore(redis, env.KEY_PREFIX, { threadOpened: (i) => metrics.threadOpened(i) });
  const timeline = new Timeline(redis, env.KEY_PREFIX);
  const proposals = new ProposalStore(redis, env.KEY_PREFIX);
  const notifier = new SlackNotifier(
    createWebClient(env.SLACK_BOT_TOKEN, env.SLACK_API_URL, (m, r, s) => metrics.slackCall(m, r, s)),
  );
  // Every message the bot posts in a thread, and every card, is owed here with the state change that causes it
  // and delivered by the Deliverer below (worker role): paced per channel and method, retried across outages.
  const outbox = new Outbox(redis, env.KEY_PREFIX);
  const thread = new IncidentThread(store, proposals, outbox, runbooks);
  const targets = new TargetRegistry(file.targets);
  // The connection's own error listener logs the outage; the queues repeat it per queue, so debug.
  const queues = new Queues(edgeConnection, env.QUEUE_PREFIX, (queue, err) =>
    logger.debug({ queue, err: err.message }, 'queue producer error'),
  );

  const jobs = new OwedJobs<JobDataByName>(redis, env.KEY_PREFIX, queues);
  const channels = new IncidentChannels({
    redis,
    prefix: env.KEY_PREFIX,
    store,
    timeline,
    thread,
    slack: notifier,
    queues,
    severities: file.incidentChannels.severities,
    logger,
  });
  const proposalService = new ProposalService({
    proposals,
    incidents: store,
    timeline,
    thread,
    jobs,
    targets,
    actions: ACTIONS,
    approvals: file.approvals,
  });
  const alerts = new AlertService({
    redis,
    store,
    timeline,
    thread,
    targets,
    runbooks,
    jobs,
    defaultChannel: env.SLACK_CHANNEL,
    prefix: env.KEY_PREFIX,
    groupWindowMs: file.incidents.groupWindow,
    proposals: proposalService,
    channels,
    logger,
  });
  const diagnosis = new DiagnosisService({
    store,
    timeline,
    thread,
    targets,
    runbooks,
    probes: meteredProbes(PROBES, {
      probeRun: (p, ok, sec) => metrics.probeRun(p, ok, sec),
      scanPace: (p, kps) => metrics.scanned(p, kps),
    }),
  });
  const ledger = new ExecutionLedger(redis, env.KEY_PREFIX);
  const leaseMs = env.REMEDIATION_LEASE_MS;
  const recovery = new ExecutionRecovery({
    redis,
    prefix: env.KEY_PREFIX,
    ledger,
    proposals,
    timeline,
    thread,
    targets,
    actions: ACTIONS,
    proposalService,
    leaseMs,
  });
  const remediation = new RemediationWorker({
    proposals,
    ledger,
    recovery,
    timeline,
    thread,
    targets,
    actions: ACTIONS,
    proposalService,
    leaseMs,
    runBudgetMs: JOBS.remediations.timeoutMs,
    pauseAt: env.REMEDIATION_PAUSE_AT === undefined ? undefined : ExecutionPhaseSchema.parse(env.REMEDIATION_PAUSE_AT),
  });
  const lifecycle = new IncidentLifecycle({ store, timeline, thread, proposals: proposalService, channels, notifier });
  const incidentIntake = new IncidentCommandIntake({
    store,
    timeline,
    queues,
    defaultChannel: env.SLACK_CHANNEL,
    targets,
    channels,
  });
  const incidentWorker = new IncidentCommandWorker({ store, timeline, proposals, thread, notifier });
  const redisWorker = new RedisCommandWorker({ targets, notifier });
  const limiter = new RateLimiter(redis, env.KEY_PREFIX, file.commands.rateLimit.max, file.commands.rateLimit.window);
  const redisIntake = new RedisCommandIntake({
    store,
    timeline,
    queues,
    targets,
    runbooks,
    limiter,
    defaultChannel: env.SLACK_CHANNEL,
    groupWindowMs: file.incidents.groupWindow,
  });

  const threadCommands = new ThreadCommands({
    store,
    incidents: incidentIntake,
    redis: redisIntake,
    runbooks,
    queues,
  });

  const workers: Worker[] = [];
  let stopSweeper: (() => Promise<void>) | undefined;
  let stopJobSweeper: (() => Promise<void>) | undefined;
  let server: ReturnType<typeof createEdgeServer> | undefined;
  let slack: SlackTransport | undefined;
  let stopping: Promise<void> | undefined;

  const serves = env.ROLE === 'web' || env.ROLE === 'all';
  const works = env.ROLE === 'worker' || env.ROLE === 'all';
  registerOutboxGauges(metrics, outbox);
  const deliverer = works
    ? new Deliverer({
        redis,
        outbox,
        client: createDeliveryClient(env.SLACK_BOT_TOKEN, {
          slackApiUrl: env.SLACK_API_URL,
          observe: (m, r, s) => metrics.slackCall(m, r, s),
        }),
        renderCard: (id) => thread.renderCard(id),
        renderMessage: async (key) => (await thread.renderMessage(key)) ?? proposalService.render(key),
        onPosted: async (key, sent) => {
          await thread.posted(key, sent);
          await proposalService.posted(key, sent);
        },
        onDelivery: ({ method, result }) => metrics.inc('rib_slack_deliveries_total', { method, result }),
        logger,
      })
    : undefined;

  if (serves) {
    slack = createSlackApp({
      token: env.SLACK_BOT_TOKEN,
      signingSecret: env.SLACK_SIGNING_SECRET,
      appToken: env.SLACK_APP_TOKEN,
      slackApiUrl: env.SLACK_API_URL,
      onSocketAnswered: (kind, s) => metrics.ack.observe({ kind }, s),
      logger,
    });
    registerListeners(slack.app, {
      incidentIntake,
      redisIntake,
      proposals: proposalService,
      thread: threadCommands,
      notifier,
      seen: new SeenOnce(edgeConnection, `${env.KEY_PREFIX}:slack`),
      metrics,
      logger,
    });
    server = createEdgeServer({
      routes: httpRoutes({
        redis,
        runbooks: runbooks.length,
        queues,
        store,
        metrics,
        alertmanagerToken: env.ALERTMANAGER_TOKEN,
        logger,
      }),
      slack: slack.requestListener,
      logger,
      onSlackAnswered: (kind, s) => metrics.ack.observe({ kind }, s),
    });
  }

  const handlers = createJobHandlers({
    alerts,
    diagnosis,
    proposals: proposalService,
    remediation,
    lifecycle,
    channels,
    commands: incidentWorker,
    redis: redisWorker,
    targetSlots: new TargetSlots(redis, env.KEY_PREFIX, { logger }),
  });

  return {
    metrics,
    services: { store, timeline, proposals, queues, outbox },
    async start(port = env.PORT) {
      // Existing state from before the open-incident indexes (or an older replica's writes) is indexed once.
      await withTimeout(store.ensureIndexes(), 10_000, 'indexing open incidents').then(
        (n) => n > 0 && logger.info({ incidents: n }, 'open-incident indexes built'),
        (err: unknown) =>
          logger.warn({ err: errorMessage(err) }, 'open-incident indexes not checked; next start retries'),
      );
      if (works) {
        workers.push(
          ...startWorkers({ connection: workerConnection, prefix: env.QUEUE_PREFIX, logger, metrics, handlers }),
        );
        // Every worker process sweeps for fixes whose worker died (lease expired); a lock keeps it to one at a time.
        stopSweeper = recovery.startSweeper(logger, Math.max(100, Math.floor(leaseMs / 2)));
        // Jobs owed by a committed change whose enqueue did not happen (a crash, the state Redis away) go out here.
        stopJobSweeper = jobs.startSweeper(logger, 5_000);
        deliverer?.start();
      }
      if (!server) {
        logger.info({ role: env.ROLE, runbooks: runbooks.map((r) => r.name) }, 'bot started (workers only)');
        return undefined;
      }
      // One auth.test, then (Socket Mode) the socket: a Slack token Slack refuses stops start-up here.
      await slack?.start();
      const s = server;
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(port, () => resolve());
      });
      const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
      logger.info(
        {
          url,
          role: env.ROLE,
          slack: slack?.mode,
          runbooks: runbooks.map((r) => r.name),
          targets: file.targets.map((t) => t.name),
        },
        'bot listening',
      );
      return url;
    },
    stop() {
      stopping ??= (async () => {
        // Socket Mode: nothing more arrives from Slack once the socket is closed.
        await slack?.stop();
        if (server?.listening) {
          const s = server;
          const closed = new Promise<void>((resolve) => s.close(() => resolve()));
          s.closeIdleConnections();
          await closed;
        }
        // Worker.close waits for active jobs, so an approved fix is never cut in half by a deploy.
        await Promise.all(workers.map((w) => w.close()));
        await stopSweeper?.();
        await stopJobSweeper?.();
        await deliverer?.stop();
        await queues.close();
        await Promise.allSettled([redis.quit(), workerConnection.quit(), edgeConnection.quit()]);
        logger.info('bot stopped');
      })();
      return stopping;
    },
  };
}
