import { z } from 'zod';
import { SlackUserIdSchema } from '../../kernel/ids.js';
import { INFO_SECTIONS } from '../../kernel/info.js';

/**
 * The slow halves of `/redis info` and `/redis targets` (job name → data schema), run by RedisCommandWorker on the
 * `commands` queue. jobs/catalog.ts lists each with its attempts and timeout. `/redis diag` enqueues a diagnosis.
 */
export const REDIS_JOB_SCHEMAS = {
  'redis.info': z.object({
    user: SlackUserIdSchema,
    channel: z.string().min(1),
    target: z.string().min(1),
    section: z.enum(INFO_SECTIONS),
  }),
  'redis.targets': z.object({ user: SlackUserIdSchema, channel: z.string().min(1) }),
} as const;

/** Job name → data of the `/redis` jobs: what the intake enqueues (with diagnoses). */
export type RedisJobs = { [N in keyof typeof REDIS_JOB_SCHEMAS]: z.output<(typeof REDIS_JOB_SCHEMAS)[N]> };
