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
    run(job: JobData<'diagnostics'>, logger: Logger): Promise<DiagnosisOutcome<Report, Request> | undefined>;
    finish(incidentId: string, report: Report): Promise<void>;
  };
  /** Diagnosis places per target (TargetSlots): a busy target's diagnosis is deferred, not run side by side. */
  targetSlots: {
    run<T>(target: string, defer: JobContext['defer'], work: () => Promise<T>, logger?: Logger): Promise<T>;
  };
  proposals: {
    propose(incidentId: string, requests: Request[], requester: string, logger: Logger): Promise<void>;
  };
  remediation: { execute(proposalId: string, logger: Logger): Promise<unknown> };
  lifecycle: {
    open(incidentId: string, user: string, channel: boolean): Promise<void>;
    note(incidentId: string, user: string, text: string): Promise<void>;
    severity(incidentId: string, user: string, severity: JobData<'incident.severity'>['severity']): Promise<void>;
    commander(incidentId: string, user: string, commander: string): Promise<void>;
    resolve(incidentId: string, user: string, summary: string, logger: Logger): Promise<void>;
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
    postTimeline(incidentId: string, user: string): Promise<void>;
    export(
      incidentId: string,
      user: string,
      format: JobData<'incident.export'>['format'],
      logger: Logger,
    ): Promise<void>;
  };
  redis: {
    info(o: JobData<'redis.info'>, logger: Logger): Promise<void>;
    health(o: JobData<'redis.targets'>): Promise<void>;
  };
}

/** The job name → handler map the workers dispatch through; each handler is one step into a service. */
export function createJobHandlers<Report, Request>(d: JobHandlerDeps<Report, Request>): JobHandlers {
  return {
    alerts: (data) => d.alerts.handle(data.webhook, data.receivedAt),
    // Findings first, then each proposal, then "finished" and the card: the thread reads in that order.
    // One diagnosis per target at a time: a hung target's jobs wait in the queue, not in the worker's slots.
    diagnostics: (data, { logger, defer }) =>
      d.targetSlots.run(
        data.target,
        defer,
        async () => {
          const result = await d.diagnosis.run(data, logger);
          if (!result) return undefined;
          await d.proposals.propose(data.incidentId, result.proposals, result.requester, logger);
          await d.diagnosis.finish(data.incidentId, result.report);
          return result.report;
        },
        logger,
      ),
    remediations: (data, { logger }) => d.remediation.execute(data.proposalId, logger),
    'incident.open': (data) => d.lifecycle.open(data.incidentId, data.user, data.channel),
    'incident.note': (data) => d.lifecycle.note(data.incidentId, data.user, data.text),
    'incident.severity': (data) => d.lifecycle.severity(data.incidentId, data.user, data.severity),
    'incident.commander': (data) => d.lifecycle.commander(data.incidentId, data.user, data.commander),
    'incident.resolve': (data, { logger }) => d.lifecycle.resolve(data.incidentId, data.user, data.summary, logger),
    'incident.file-message': (data, { logger }) =>
      d.lifecycle.fileMessage(data.incidentId, data.user, data.message, logger),
    'incident.timeline': (data) => d.commands.postTimeline(data.incidentId, data.user),
    'incident.export': (data, { logger }) => d.commands.export(data.incidentId, data.user, data.format, logger),
    'incident.channel': (data) => d.channels.open(data.incidentId, data.requestedBy),
    'redis.info': (data, { logger }) => d.redis.info(data, logger),
    'redis.targets': (data) => d.redis.health(data),
  };
}
