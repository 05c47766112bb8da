import type { z } from 'zod';
import { AppError } from '../kernel/errors.js';
import { describeIssues, EnvSchema } from './env.js';

/**
 * What `npm run export` reads: where the bot's state Redis is and the prefix of its keys. The same fields (and
 * defaults) as the bot's own environment, so the CLI reads exactly what the running bot wrote.
 */
export const ExportCliEnvSchema = EnvSchema.pick({ REDIS_URL: true, KEY_PREFIX: true });

/** What `npm run runbooks:lint` reads when no directory is given on the command line. */
export const RunbooksLintCliEnvSchema = EnvSchema.pick({ RUNBOOKS_DIR: true });

/**
 * Validates the part of the environment a command-line tool needs, and nothing else: a CLI must not refuse to run
 * because a Slack token it never uses is missing. Throws one AppError (`CONFIG_INVALID`) naming each bad variable.
 */
export function loadCliEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new AppError('CONFIG_INVALID', `invalid environment:\n${describeIssues(parsed.error.issues)}`);
  }
  return parsed.data;
}
