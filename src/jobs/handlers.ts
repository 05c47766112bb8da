import type { Logger } from '../kernel/logger.js';
import type { JobData, JobName } from './catalog.js';

/** What a handler gets besides its validated data: the job's id and a logger bound to the job. */
export interface JobContext {
  jobId: string | undefined;
  logger: Logger;
  /**
   * Puts the job back in its queue, to be taken again after `delayMs` without using an attempt; the returned
   * promise rejects with the queue's "delayed" signal, which the handler lets through.
   */
  defer(delayMs: number): Promise<never>;
}

export type JobHandler<N extends JobName> = (data: JobData<N>, ctx: JobContext) => Promise<unknown>;
/** One handler per catalog entry: the compiler refuses a job kind without one. */
export type JobHandlers = { [N in JobName]: JobHandler<N> };

/** A finished diagnosis as the diagnostics handler passes it on (the shape DiagnosisService.run returns). */
interface DiagnosisOutcome<Report, Request> {
  report: Report;
  proposals: Request[];
  requester: string;
}

/**
 * The services the handlers call, described by the methods used rather than imported as classes, so `jobs/`
 * depends on no feature folder for its handlers (the features enqueue through `jobs/`).
 */
export interface JobHandlerDeps<Report = unknown, Request = unknown> {
  alerts: { handle(webhook: JobData<'alerts'>['webhook'], receivedAt: string): Promise<unknown> };
  diagnosis: {
    run(
      job: JobData<'diagnostics'>,
      logger: Logger,
      key: string,
    ): Promise<DiagnosisOutcome<Report, Request> | undefined>;
    finish(incidentId: string, report: Report, key: string): Promise<void>;
  };
  /** Diagnosis places per target (TargetSlots): a busy target's diagnosis is deferred, not run side by side. */
  targetSlots: {
    run<T>(target: string, defer: JobContext['defer'], work: () => Promise<T>, logger?: Logger): Promise<T>;
  };
  proposals: {
    propose(incidentId: string, requests: Request[], requester: string, logger: Logger, origin: string): Promise<void>;
  };
  remediation: { execute(proposalId: string, logger: Logger): Promise<unknown> };
  lifecycle: {
    open(incidentId: string, user: string, channel: boolean): Promise<void>;
    note(incidentId: string, user: string, text: string, key: string): Promise<void>;
    severity(
      incidentId: string,
      user: string,
      severity: JobData<'incident.severity'>['severity'],
      key: string,
    ): Promise<void>;
    commander(incidentId: string, user: string, commander: string, key: string): Promise<void>;
    resolve(incidentId: string, user: string, summary: string, key: string, logger: Logger): Promise<void>;
    fileMessage(
      incidentId: string,
      user: string,
      message: JobData<'incident.file-message'>['message'],
      logger: Logger,
    ): Promise<void>;
  };
  /** Incidents' own channels (IncidentChannels). */
  channels: { open(incidentId: string, requestedBy: string): Promise<unknown> };
  commands: {
    postTimeline(incidentId: string, user: string, key: string): Promise<void>;
    export(
      incidentId: string,
      user: string,
      format: JobData<'incident.export'>['format'],
      logger: Logger,
    ): Promise<boolean>;
  };
  redis: {
    info(o: JobData<'redis.info'>, logger: Logger): Promise<void>;
    health(o: JobData<'redis.targets'>): Promise<void>;
  };
}

/** A job's id as a stable key for what it owes (BullMQ always sets one; a random one only outside a queue). */
function requestKey(jobId: string | undefined): string {
  return (jobId ?? `adhoc-${Date.now()}-${Math.random().toString(36).slice(2)}`).replace(/[^\x21-\x7e]/g, '_');
}

/** The job name → handler map the workers dispatch through; each handler is one step into a service. */
export function createJobHandlers<Report, Request>(d: JobHandlerDeps<Report, Request>): JobHandlers {
  return {
    alerts: (data) => d.alerts.handle(data.webhook, data.receivedAt),
    // Findings first, then each proposal, then "finished" and the card: the thread reads in that order.
    // One diagnosis per target at a time: a hung target's jobs wait in the queue, not in the worker's slots.
    // The job id names the diagnosis: a re-run continues from what it kept and posts nothing twice.
    diagnostics: (data, { jobId, logger, defer }) =>
      d.targetSlots.run(
        data.target,
        defer,
        async () => {
          const key = requestKey(jobId);
          const result = await d.diagnosis.run(data, logger, key);
          if (!result) return undefined;
          await d.proposals.propose(data.incidentId, result.proposals, result.requester, logger, key);
          await d.diagnosis.finish(data.incidentId, result.report, key);
          return result.report;
        },
        logger,
      ),
    remediations: (data, { logger }) => d.remediation.execute(data.proposalId, logger),
    'incident.open': (data) => d.lifecycle.open(data.incidentId, data.user, data.channel),
    // The job id names the request: a retried job owes the same thread message, which is posted once.
    'incident.note': (data, { jobId }) => d.lifecycle.note(data.incidentId, data.user, data.text, requestKey(jobId)),
    'incident.severity': (data, { jobId }) =>
      d.lifecycle.severity(data.incidentId, data.user, data.severity, requestKey(jobId)),
    'incident.commander': (data, { jobId }) =>
      d.lifecycle.commander(data.incidentId, data.user, data.commander, requestKey(jobId)),
    'incident.resolve': (data, { jobId, logger }) =>
      d.lifecycle.resolve(data.incidentId, data.user, data.summary, requestKey(jobId), logger),
    'incident.file-message': (data, { logger }) =>
      d.lifecycle.fileMessage(data.incidentId, data.user, data.message, logger),
    'incident.timeline': (data, { jobId }) => d.commands.postTimeline(data.incidentId, data.user, requestKey(jobId)),
    // The upload needs the thread in Slack: while its card is still owed (a Slack outage), wait without an attempt.
    'incident.export': async (data, { logger, defer }) => {
      if (!(await d.commands.export(data.incidentId, data.user, data.format, logger))) await defer(2_000);
    },
    'incident.channel': (data) => d.channels.open(data.incidentId, data.requestedBy),
    'redis.info': (data, { logger }) => d.redis.info(data, logger),
    'redis.targets': (data) => d.redis.health(data),
  };
}
