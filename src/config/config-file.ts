import { z } from 'zod';

const DURATION = /^(\d+)(ms|s|m|h)$/;

/** Parses `15m`, `30s`, `2h`, `500ms` into milliseconds. */
export function parseDuration(text: string): number {
  const m = DURATION.exec(text);
  if (!m) throw new Error(`not a duration: ${text}`);
  const n = Number(m[1]);
  const unit = m[2];
  const factor = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000;
  return n * factor;
}

const DurationSchema = z
  .string()
  .regex(DURATION, 'must be a duration such as 30s, 15m or 2h')
  .transform((s) => parseDuration(s));

const HostPort = z.string().regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port');

/** A Redis instance the bot diagnoses. */
export const TargetSchema = z
  .object({
    /** Name used in Slack commands and runbook output. */
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/i, 'letters, digits, dot, dash or underscore'),
    /** Standalone target. Credentials in the URL are never shown in Slack or logs. */
    url: z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
      .optional(),
    /** A primary behind Sentinel: the master name and some sentinels; probes find the current primary. */
    sentinel: z
      .object({
        name: z.string().min(1),
        nodes: z.array(HostPort).min(1, 'needs at least one sentinel host:port'),
        /** AUTH for the sentinels themselves, when they require one. */
        sentinelPassword: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    /** A Redis Cluster: some seed nodes; probes run on every primary. */
    cluster: z
      .object({ nodes: z.array(HostPort).min(1, 'needs at least one seed host:port') })
      .strict()
      .optional(),
    /** Credentials for the data nodes of a sentinel or cluster target (standalone targets put them in `url`). */
    username: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    /** Drives remediation policy (DOMAIN.md "Workload classes"). */
    workload: z.enum(['cache', 'session', 'queue']),
    /** Alert labels that route an alert to this target; every label listed must be equal. */
    match: z.record(z.string(), z.string()).refine((m) => Object.keys(m).length > 0, 'needs at least one label'),
    /** Incident channel for this target; defaults to SLACK_CHANNEL. */
    channel: z.string().min(1).optional(),
    /** The runbook `/redis diag <target>` runs when none is named; `overview` when unset. Checked at start. */
    defaultRunbook: z
      .string()
      .regex(/^[a-z0-9-]+$/, 'a runbook name: lowercase letters, digits and dashes')
      .optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    const kinds = [t.url, t.sentinel, t.cluster].filter((k) => k !== undefined).length;
    if (kinds !== 1) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'give exactly one of url, sentinel or cluster' });
    }
  });

export type Target = z.infer<typeof TargetSchema>;

export const ConfigFileSchema = z
  .object({
    targets: z.array(TargetSchema).default([]),
    approvals: z
      .object({
        /** Slack user ids allowed to approve remediations. */
        approvers: z.array(z.string().regex(/^[UWS][A-Z0-9]+$/, 'must be a Slack user or group id')).default([]),
        /** The requester of a proposal may not approve it. */
        twoPersonRule: z.boolean().default(true),
        /** A proposal not decided within this window can no longer be approved. */
        expiresAfter: DurationSchema.default(15 * 60_000),
      })
      .strict()
      .default({ approvers: [], twoPersonRule: true, expiresAfter: 15 * 60_000 }),
    incidents: z
      .object({
        /**
         * A new alert group for a target that already has an open incident opened less than this long ago joins
         * that incident instead of opening another; `0s` turns joining off.
         */
        groupWindow: DurationSchema.default(60 * 60_000),
      })
      .strict()
      .default({ groupWindow: 60 * 60_000 }),
    incidentChannels: z
      .object({
        /**
         * Incidents of these severities get their own channel as soon as they have (or are raised to) one; empty,
         * the default, leaves it to the card's "Declare incident" and `/incident new … --channel`.
         */
        severities: z.array(z.enum(['sev1', 'sev2', 'sev3', 'sev4'])).default([]),
      })
      .strict()
      .default({ severities: [] }),
    commands: z
      .object({
        /** Per-user sliding-window limit on `/redis` commands, which read production Redis. */
        rateLimit: z
          .object({ max: z.number().int().min(1).max(1000).default(10), window: DurationSchema.default(60_000) })
          .strict()
          .default({ max: 10, window: 60_000 }),
      })
      .strict()
      .default({ rateLimit: { max: 10, window: 60_000 } }),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const seen = new Set<string>();
    cfg.targets.forEach((t, i) => {
      if (seen.has(t.name)) {
        ctx.addIssue({ code: 'custom', path: ['targets', i, 'name'], message: `duplicate target name ${t.name}` });
      }
      seen.add(t.name);
    });
  });

export type ConfigFile = z.infer<typeof ConfigFileSchema>;
