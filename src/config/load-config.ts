import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { AppError, errorMessage } from '../kernel/errors.js';
import { type ConfigFile, ConfigFileSchema } from './config-file.js';
import { describeIssues, type Env, EnvSchema } from './env.js';

export interface Config {
  env: Env;
  file: ConfigFile;
}

/**
 * Reads and validates the environment and the CONFIG_FILE YAML. Throws one AppError whose message names each bad
 * variable or YAML path, so start-up stops with something an operator can fix.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new AppError('CONFIG_INVALID', `invalid environment:\n${describeIssues(parsed.error.issues)}`);
  }
  // Socket Mode (SLACK_APP_TOKEN) needs no signing secret: nothing reaches /slack/events.
  if (!parsed.data.SLACK_APP_TOKEN && !parsed.data.SLACK_SIGNING_SECRET) {
    throw new AppError(
      'CONFIG_INVALID',
      'invalid environment:\nSLACK_SIGNING_SECRET: is required in HTTP mode (Slack app > Basic Information > Signing Secret); or set SLACK_APP_TOKEN for Socket Mode',
    );
  }
  const file = parsed.data.CONFIG_FILE ? loadConfigFile(parsed.data.CONFIG_FILE) : ConfigFileSchema.parse({});
  return { env: parsed.data, file };
}

/** Loads and validates one config YAML; errors name the file and the YAML path. */
export function loadConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new AppError('CONFIG_INVALID', `CONFIG_FILE: cannot read ${path}: ${errorMessage(err)}`);
  }
  return parseConfigText(text, path);
}

/** Validates config YAML text; `source` names it in errors. */
export function parseConfigText(text: string, source: string): ConfigFile {
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (err) {
    throw new AppError('CONFIG_INVALID', `CONFIG_FILE ${source}: not valid YAML: ${errorMessage(err)}`);
  }
  const result = ConfigFileSchema.safeParse(raw);
  if (!result.success) {
    throw new AppError('CONFIG_INVALID', `CONFIG_FILE ${source}:\n${describeIssues(result.error.issues, '  ')}`);
  }
  return result.data;
}
