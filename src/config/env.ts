import { z } from 'zod';

const WHERE_APP_TOKENS_ARE = 'Basic Information → App-Level Tokens, with the connections:write scope';

/**
 * An app-level token as Slack issues it (`xapp-1-A0123…-1234…-0a1b…`): checked for the mistakes operators make
 * (the bot token pasted instead, quotes or spaces around it) without pinning Slack's segment lengths.
 */
const AppTokenSchema = z.string().superRefine((v, ctx) => {
  const problem = v.startsWith('xoxb-')
    ? `is the bot token (xoxb-…); Socket Mode needs the app-level token, xapp-… (${WHERE_APP_TOKENS_ARE})`
    : !v.startsWith('xapp-')
      ? `must be an app-level token, xapp-… (${WHERE_APP_TOKENS_ARE}); unset it for HTTP mode`
      : !/^xapp-[A-Za-z0-9-]+$/.test(v)
        ? `is malformed: an app-level token is xapp- and then letters, digits and dashes only, no spaces or quotes (${WHERE_APP_TOKENS_ARE})`
        : undefined;
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** The process environment the bot reads, validated once at start (DESIGN.md "Environment"). */
export const EnvSchema = z.object({
  SLACK_BOT_TOKEN: z
    .string({ error: 'is required (the bot token, xoxb-…)' })
    .min(1, 'is required (the bot token, xoxb-…)'),
  /** HTTP mode: verifies requests on /slack/events. Required unless SLACK_APP_TOKEN is set. */
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  /** Socket Mode when set: the app-level token (xapp-…, scope connections:write); no public URL needed. */
  SLACK_APP_TOKEN: AppTokenSchema.optional(),
  SLACK_API_URL: z.url().optional(),
  SLACK_CHANNEL: z
    .string({ error: 'is required (the incident channel id, such as C0123456)' })
    .min(1, 'is required (the incident channel id, such as C0123456)'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .default('redis://127.0.0.1:6379'),
  ALERTMANAGER_TOKEN: z.string().min(1).optional(),
  CONFIG_FILE: z.string().min(1).optional(),
  RUNBOOKS_DIR: z.string().min(1).default('./runbooks'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ROLE: z.enum(['web', 'worker', 'all']).default('all'),
  /** Prefix for BullMQ keys in the state Redis; use a hash tag such as `{rib}` when it is a Cluster. */
  QUEUE_PREFIX: z.string().min(1).default('rib'),
  /** Prefix for the bot's own keys (incidents, timelines, proposals) in the state Redis. */
  KEY_PREFIX: z.string().min(1).default('rib'),
  /** TTL of a running fix's lease (renewed every third of it); a dead worker's fix is reported this long after. */
  REMEDIATION_LEASE_MS: z.coerce.number().int().min(200).max(300_000).default(15_000),
  /** Test hook: a remediation run stops after recording this phase (and says so in the state Redis). Never in prod. */
  REMEDIATION_PAUSE_AT: z.string().min(1).optional(),
});

export type Env = z.infer<typeof EnvSchema>;

/** Turns zod issues into one line per variable: `SLACK_CHANNEL: is required`. */
export function describeIssues(issues: z.core.$ZodIssue[], prefix = ''): string {
  return issues.map((i) => `${prefix}${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('\n');
}
