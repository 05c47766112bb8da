import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, loadConfigFile, parseConfigText } from '../../../src/config/load-config.js';
import { type AppError, isAppError } from '../../../src/kernel/errors.js';

const ENV = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'secret', SLACK_CHANNEL: 'C0INC' };

/** The AppError a call throws (fails the test when it does not throw one). */
function thrown(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (isAppError(err)) return err;
    throw err;
  }
  throw new Error('expected an AppError');
}

const VALID = `
targets:
  - name: cache-primary
    url: redis://:secret@10.0.1.10:6379
    workload: cache
    match: { instance: "10.0.1.10:6379" }
    channel: C0CACHE
approvals:
  approvers: [U0ALICE, U0BOB]
  twoPersonRule: true
  expiresAfter: 15m
`;

describe('loadConfig', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('reads the env object it is given, with defaults and an empty config file', () => {
    const config = loadConfig(ENV);
    expect(config.env.PORT).toBe(3000);
    expect(config.env.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(config.file).toEqual({
      targets: [],
      approvals: { approvers: [], twoPersonRule: true, expiresAfter: 900_000 },
      incidents: { groupWindow: 3_600_000 },
      incidentChannels: { severities: [] },
      commands: { rateLimit: { max: 10, window: 60_000 } },
    });
  });

  it.each([
    ['PORT', 'eighty'],
    ['REDIS_URL', 'localhost:6379'],
    ['LOG_LEVEL', 'loud'],
  ])('stops with CONFIG_INVALID naming %s', (name, value) => {
    const err = thrown(() => loadConfig({ ...ENV, [name]: value }));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toMatch(new RegExp(`^${name}: `, 'm'));
  });

  it('requires SLACK_SIGNING_SECRET and says where to find it', () => {
    const { SLACK_SIGNING_SECRET: _, ...env } = ENV;
    const err = thrown(() => loadConfig(env));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toMatch(/^SLACK_SIGNING_SECRET: is required/m);
    expect(err.message).toContain('Signing Secret');
  });

  it('runs Socket Mode with SLACK_APP_TOKEN and no signing secret', () => {
    const { SLACK_SIGNING_SECRET: _, ...env } = ENV;
    expect(loadConfig({ ...env, SLACK_APP_TOKEN: 'xapp-1-A0TEST-1-abc' }).env.SLACK_APP_TOKEN).toBe(
      'xapp-1-A0TEST-1-abc',
    );
  });

  it.each([
    ['xoxb-123-456-abc', /^SLACK_APP_TOKEN: is the bot token \(xoxb-…\); Socket Mode needs the app-level token/m],
    ['xapp-1-A0TEST-1-abc\n', /^SLACK_APP_TOKEN: is malformed/m],
    [
      '"xapp-1-A0TEST-1-abc"',
      /^SLACK_APP_TOKEN: must be an app-level token, xapp-… \(Basic Information → App-Level Tokens/m,
    ],
    ['', /^SLACK_APP_TOKEN: must be an app-level token/m],
  ])('refuses the malformed app token %j, saying what is wrong and where the right one is', (token, message) => {
    const err = thrown(() => loadConfig({ ...ENV, SLACK_APP_TOKEN: token }));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toMatch(message);
  });

  it('loads CONFIG_FILE when set', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rib-config-'));
    dirs.push(dir);
    const file = join(dir, 'config.yaml');
    writeFileSync(file, VALID);
    const config = loadConfig({ ...ENV, CONFIG_FILE: file });
    expect(config.file.targets.map((t) => t.name)).toEqual(['cache-primary']);
    expect(config.file.approvals.expiresAfter).toBe(900_000);
  });

  it('names CONFIG_FILE and the path when the file cannot be read', () => {
    const missing = join(tmpdir(), 'rib-no-such-dir', 'config.yaml');
    const err = thrown(() => loadConfigFile(missing));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain(`CONFIG_FILE: cannot read ${missing}`);
  });
});

describe('parseConfigText', () => {
  it('parses the documented example', () => {
    const cfg = parseConfigText(VALID, 'config.yaml');
    expect(cfg.targets[0]).toEqual({
      name: 'cache-primary',
      url: 'redis://:secret@10.0.1.10:6379',
      workload: 'cache',
      match: { instance: '10.0.1.10:6379' },
      channel: 'C0CACHE',
    });
    expect(cfg.approvals).toEqual({ approvers: ['U0ALICE', 'U0BOB'], twoPersonRule: true, expiresAfter: 900_000 });
  });

  it('treats an empty file as the defaults', () => {
    expect(parseConfigText('', 'empty.yaml')).toEqual(parseConfigText('{}', 'braces.yaml'));
    expect(parseConfigText('', 'empty.yaml').targets).toEqual([]);
  });

  it('names the source and the YAML path of each bad field', () => {
    const text = VALID.replace('workload: cache', 'workload: database');
    const err = thrown(() => parseConfigText(text, 'prod.yaml'));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toMatch(/^CONFIG_FILE prod\.yaml:/);
    expect(err.message).toMatch(/^ {2}targets\.0\.workload: /m);
  });

  it('names a missing field, an unknown field and an empty match', () => {
    const text = ['targets:', '  - name: a', '    workload: cache', '    match: {}', '    colour: blue'].join('\n');
    const message = thrown(() => parseConfigText(text, 'c.yaml')).message;
    expect(message).toMatch(/targets\.0\.url: /);
    expect(message).toMatch(/targets\.0\.match: needs at least one label/);
    expect(message).toMatch(/colour/);
  });

  it('refuses duplicate target names at the second one', () => {
    const text = [
      'targets:',
      '  - { name: cache, url: "redis://a:6379", workload: cache, match: { instance: a } }',
      '  - { name: other, url: "redis://b:6379", workload: queue, match: { instance: b } }',
      '  - { name: cache, url: "redis://c:6379", workload: cache, match: { instance: c } }',
    ].join('\n');
    const message = thrown(() => parseConfigText(text, 'c.yaml')).message;
    expect(message).toMatch(/targets\.2\.name: duplicate target name cache/);
    expect(message).not.toMatch(/targets\.0\.name/);
  });

  it.each([
    ['30s', 30_000],
    ['15m', 900_000],
    ['2h', 7_200_000],
    ['500ms', 500],
  ])('reads expiresAfter %s as %d ms', (text, ms) => {
    expect(parseConfigText(`approvals: { expiresAfter: ${text} }`, 'c.yaml').approvals.expiresAfter).toBe(ms);
  });

  it.each(['15', '15 m', '1d', '-5m'])('names approvals.expiresAfter for %j', (text) => {
    const message = thrown(() => parseConfigText(`approvals: { expiresAfter: "${text}" }`, 'c.yaml')).message;
    expect(message).toMatch(/approvals\.expiresAfter: must be a duration/);
  });

  it('names the index of a bad approver id', () => {
    const message = thrown(() =>
      parseConfigText('approvals: { approvers: [U0ALICE, alice, "#ops"] }', 'c.yaml'),
    ).message;
    expect(message).toMatch(/approvals\.approvers\.1: must be a Slack user or group id/);
    expect(message).toMatch(/approvals\.approvers\.2: /);
    expect(message).not.toMatch(/approvers\.0/);
  });

  it('reports YAML syntax errors as not valid YAML', () => {
    const err = thrown(() => parseConfigText('targets: [\n  - name: a', 'broken.yaml'));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toMatch(/^CONFIG_FILE broken\.yaml: not valid YAML/);
  });
});
