import { describe, expect, it } from 'vitest';
import { ExportCliEnvSchema, loadCliEnv, RunbooksLintCliEnvSchema } from '../../../src/config/cli-env.js';
import { isAppError } from '../../../src/kernel/errors.js';

describe('loadCliEnv', () => {
  it("fills the bot's own defaults, so a CLI reads what the bot wrote", () => {
    expect(loadCliEnv(ExportCliEnvSchema, {})).toEqual({ REDIS_URL: 'redis://127.0.0.1:6379', KEY_PREFIX: 'rib' });
    expect(loadCliEnv(RunbooksLintCliEnvSchema, {})).toEqual({ RUNBOOKS_DIR: './runbooks' });
  });

  it('validates only what the CLI reads: no Slack token needed, unrelated bad values ignored', () => {
    const env = { REDIS_URL: 'redis://state:6380', KEY_PREFIX: 'prod', PORT: 'not-a-port' };
    expect(loadCliEnv(ExportCliEnvSchema, env)).toEqual({ REDIS_URL: 'redis://state:6380', KEY_PREFIX: 'prod' });
    expect(loadCliEnv(RunbooksLintCliEnvSchema, { REDIS_URL: 'http://nope' })).toEqual({ RUNBOOKS_DIR: './runbooks' });
  });

  it('throws CONFIG_INVALID naming each bad variable', () => {
    const bad = () => loadCliEnv(ExportCliEnvSchema, { REDIS_URL: 'http://state', KEY_PREFIX: '' });
    expect(bad).toThrow(/^invalid environment:\nREDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL\nKEY_PREFIX: /);
    let caught: unknown;
    try {
      bad();
    } catch (err) {
      caught = err;
    }
    expect(isAppError(caught, 'CONFIG_INVALID')).toBe(true);
  });
});
