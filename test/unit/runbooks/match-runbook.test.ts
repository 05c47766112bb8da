import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { matchRunbook } from '../../../src/runbooks/match-runbook.js';
import { type Runbook, RunbookSchema } from '../../../src/runbooks/runbook-schema.js';

const highMemory = RunbookSchema.parse(parseYaml(readFileSync('runbooks/high-memory.yaml', 'utf8')));

function runbook(name: string, alertnames: string[], labels: Record<string, string> = {}): Runbook {
  return RunbookSchema.parse({ name, title: name, match: { alertnames, labels }, steps: [{ probe: 'memory' }] });
}

describe('matchRunbook', () => {
  it.each(['RedisOutOfConfiguredMaxmemory', 'RedisOutOfSystemMemory', 'RedisHighMemory'])(
    'matches the shipped high-memory runbook to %s',
    (alertname) => {
      const labels = { alertname, instance: 'redis-cache-1:6379', severity: 'critical' };
      expect(matchRunbook([highMemory], labels)?.name).toBe('high-memory');
    },
  );

  it.each(['RedisDown', 'RedisTooManyConnections', ''])('matches nothing for %j', (alertname) => {
    expect(matchRunbook([highMemory], { alertname, instance: 'x' })).toBeUndefined();
  });

  it('matches nothing without an alertname label', () => {
    expect(matchRunbook([highMemory], { instance: 'x' })).toBeUndefined();
  });

  it('requires every extra label to be equal', () => {
    const sessions = runbook('session-memory', ['RedisHighMemory'], { workload: 'session', env: 'prod' });
    expect(matchRunbook([sessions], { alertname: 'RedisHighMemory', workload: 'session', env: 'prod' })?.name).toBe(
      'session-memory',
    );
    expect(matchRunbook([sessions], { alertname: 'RedisHighMemory', workload: 'session' })).toBeUndefined();
    expect(matchRunbook([sessions], { alertname: 'RedisHighMemory', workload: 'cache', env: 'prod' })).toBeUndefined();
  });

  it('prefers the more specific runbook whatever the order', () => {
    const generic = runbook('generic', ['RedisHighMemory']);
    const specific = runbook('specific', ['RedisHighMemory'], { workload: 'session' });
    const labels = { alertname: 'RedisHighMemory', workload: 'session' };
    expect(matchRunbook([generic, specific], labels)?.name).toBe('specific');
    expect(matchRunbook([specific, generic], labels)?.name).toBe('specific');
    expect(matchRunbook([specific, generic], { alertname: 'RedisHighMemory', workload: 'cache' })?.name).toBe(
      'generic',
    );
  });
});
