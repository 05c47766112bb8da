import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisProcess, startRedis } from '../../src/devtools/redis-process.js';
import { AlertStateSchema, IncidentSchema } from '../../src/incidents/incident.js';
import { IncidentStore } from '../../src/incidents/incident-store.js';
import { Timeline } from '../../src/incidents/timeline.js';

const ROOT = join(import.meta.dirname, '../..');
const run = promisify(execFile);

/** Runs a command in the repository with `env` added; resolves with its exit code and both streams. */
async function cli(cmd: string, args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

// The CLIs as shipped: `npm run export` / `npm run runbooks:lint` build dist/ first where the sources are, then run
// the compiled JS, which is what `node dist/…` runs in the Docker image.
describe('command-line tools', () => {
  let state: RedisProcess;
  let redis: Redis;
  let dir: string;
  const prefix = `cli${process.pid}`;
  const env = { KEY_PREFIX: prefix, REDIS_URL: '' };

  beforeAll(async () => {
    state = await startRedis();
    redis = state.client();
    env.REDIS_URL = state.url;
    const store = new IncidentStore(redis, prefix);
    await store.create(
      IncidentSchema.parse({
        id: 'INC-1',
        title: 'Redis out of configured maxmemory',
        status: 'open',
        severity: 'sev2',
        target: 'cache-1',
        channel: 'C0INC',
        createdAt: '2026-11-23T14:02:11.000Z',
      }),
    );
    await store.putAlert(
      'INC-1',
      AlertStateSchema.parse({
        fingerprint: 'b1',
        alertname: 'RedisOutOfConfiguredMaxmemory',
        status: 'firing',
        startsAt: '2026-11-23T14:00:41Z',
        endsAt: '0001-01-01T00:00:00Z',
        labels: { instance: 'redis-cache-1:6379' },
      }),
    );
    await new Timeline(redis, prefix).append('INC-1', {
      type: 'note',
      actor: 'U0ALICE',
      text: 'raised maxmemory by hand',
      at: '2026-11-23T14:10:00.000Z',
      data: {},
    });
    dir = mkdtempSync(join(tmpdir(), 'rib-cli-'));
    // Builds dist/ once here so the tests below time the tools, not the compiler.
    const build = await cli('npm', ['run', '-s', 'build']);
    expect(build.stdout + build.stderr).toBe('');
  }, 180_000);

  afterAll(async () => {
    redis?.disconnect();
    await state?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('npm run -s export -- INC-1 --format json prints the postmortem JSON and nothing else', async () => {
    const r = await cli('npm', ['run', '-s', 'export', '--', 'INC-1', '--format', 'json'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.incident).toMatchObject({ id: 'INC-1', status: 'open', target: 'cache-1' });
    expect(json.alerts).toHaveLength(1);
    expect(json.notes).toEqual([
      { at: '2026-11-23T14:10:00.000Z', author: 'U0ALICE', text: 'raised maxmemory by hand', afterResolution: false },
    ]);
  });

  it('node dist/src/cli/export.js prints the Markdown postmortem by default', async () => {
    const r = await cli('node', ['dist/src/cli/export.js', 'INC-1'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^# Postmortem INC-1: /);
    expect(r.stdout).toContain('raised maxmemory by hand');
  });

  it('export says which incident is missing, under which prefix, and exits 1', async () => {
    const r = await cli('node', ['dist/src/cli/export.js', 'INC-404', '--format', 'json'], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`no incident INC-404 under key prefix ${prefix}\n`);
  });

  it('export validates its environment as the bot does, naming the variable', async () => {
    const r = await cli('node', ['dist/src/cli/export.js', 'INC-1'], { ...env, REDIS_URL: 'http://state' });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('REDIS_URL: must be a redis:// or rediss:// URL');
  });

  it('export refuses a malformed id with the usage line', async () => {
    const r = await cli('node', ['dist/src/cli/export.js', 'incident-1'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('usage: npm run -s export -- <incident-id> [--format md|json]');
    expect(r.stderr).toContain('id: must be an incident id such as INC-12');
  });

  it('npm run -s runbooks:lint checks the repository runbooks with the compiled catalogs', async () => {
    const r = await cli('npm', ['run', '-s', 'runbooks:lint']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\d+ runbook\(s\) OK in \.\/runbooks: /);
  });

  it('runbooks:lint reads RUNBOOKS_DIR and names the file of a bad runbook', async () => {
    writeFileSync(join(dir, 'broken.yaml'), 'name: broken\nsteps: nope\n');
    const r = await cli('node', ['dist/src/cli/runbooks-lint.js'], { RUNBOOKS_DIR: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('broken.yaml');
    expect(r.stderr).toContain(`error(s) in ${dir}`);
  });

  it('runbooks:lint refuses an empty RUNBOOKS_DIR, naming it', async () => {
    const r = await cli('node', ['dist/src/cli/runbooks-lint.js'], { RUNBOOKS_DIR: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('RUNBOOKS_DIR:');
  });
});
