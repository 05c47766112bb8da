import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseWebhook } from '../../../src/alertmanager/webhook-schema.js';
import { FIXTURES_DIR, fixture } from '../../support/fixtures.js';

const FIXTURES = readdirSync(FIXTURES_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

/** A captured payload with some fields overridden (fixtures stay the source of truth). */
function body(overrides: (b: Record<string, unknown>) => void): Record<string, unknown> {
  const b = fixture('01-RedisOutOfConfiguredMaxmemory-firing.json');
  overrides(b);
  return b;
}

function fields(input: unknown): string[] {
  const r = parseWebhook(input);
  if (r.ok) throw new Error('expected the payload to be rejected');
  return r.errors.map((e) => e.field);
}

describe('parseWebhook', () => {
  it('finds the captured fixtures', () => {
    expect(FIXTURES.length).toBeGreaterThanOrEqual(10);
  });

  it.each(FIXTURES)('accepts the captured payload %s', (name) => {
    const raw = fixture<{ groupKey: string; alerts: Array<{ fingerprint: string; status: string }> }>(name);
    const r = parseWebhook(raw);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.webhook.version).toBe('4');
    expect(r.webhook.groupKey).toBe(raw.groupKey);
    expect(r.webhook.alerts.map((a) => [a.fingerprint, a.status])).toEqual(
      raw.alerts.map((a) => [a.fingerprint, a.status]),
    );
  });

  it('keeps mixed firing/resolved alerts of one group notification', () => {
    const r = parseWebhook(fixture('10-RedisTooManyConnections-firing.json'));
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(new Set(r.webhook.alerts.map((a) => a.status))).toEqual(new Set(['firing', 'resolved']));
    // Alertmanager escapes `>` as \u003e; after JSON parsing it is a plain `>` again.
    expect(r.webhook.alerts[0]?.annotations.description).toContain('(> 90% used)');
  });

  it('accepts a group of any size (no alert cap: Alertmanager drops a 4xx notification for good)', () => {
    const r = parseWebhook(
      body((b) => {
        const [a] = b.alerts as Array<Record<string, unknown>>;
        b.alerts = Array.from({ length: 5000 }, (_, i) => ({ ...a, fingerprint: `fp-${i}` }));
        b.truncatedAlerts = 120;
      }),
    );
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.webhook.alerts).toHaveLength(5000);
    expect(r.webhook.truncatedAlerts).toBe(120);
  });

  it('fills defaults for optional fields', () => {
    const r = parseWebhook(
      body((b) => {
        delete b.truncatedAlerts;
        delete b.commonAnnotations;
        const alert = (b.alerts as Array<Record<string, unknown>>)[0]!;
        delete alert.annotations;
        delete alert.generatorURL;
      }),
    );
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.webhook.truncatedAlerts).toBe(0);
    expect(r.webhook.commonAnnotations).toEqual({});
    expect(r.webhook.alerts[0]?.annotations).toEqual({});
    expect(r.webhook.alerts[0]?.generatorURL).toBe('');
  });

  it('names a missing groupKey', () => {
    expect(fields(body((b) => delete b.groupKey))).toEqual(['groupKey']);
  });

  it('names a bad status of one alert by its index', () => {
    const bad = body((b) => {
      (b.alerts as Array<Record<string, unknown>>)[0]!.status = 'pending';
    });
    const r = parseWebhook(bad);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual([{ field: 'alerts.0.status', message: expect.any(String) }]);
    expect(r.errors[0]?.message).toMatch(/firing|resolved/);
  });

  it('names a wrong version', () => {
    expect(fields(body((b) => (b.version = '3')))).toEqual(['version']);
    expect(fields(body((b) => (b.version = 4)))).toEqual(['version']);
  });

  it('names alerts when it is not an array, or empty', () => {
    expect(fields(body((b) => (b.alerts = { 0: 'x' })))).toEqual(['alerts']);
    expect(fields(body((b) => (b.alerts = [])))).toEqual(['alerts']);
  });

  it('names nested fields: alertname label, timestamps, fingerprint', () => {
    const bad = body((b) => {
      const a = (b.alerts as Array<Record<string, unknown>>)[0]!;
      a.labels = { instance: 'x:6379' };
      a.startsAt = 'yesterday';
      a.fingerprint = '';
    });
    expect(fields(bad).sort()).toEqual(['alerts.0.fingerprint', 'alerts.0.labels', 'alerts.0.startsAt']);
  });

  it('reports every invalid field at once, and (body) for a non-object', () => {
    const bad = body((b) => {
      delete b.groupKey;
      b.status = 'unknown';
    });
    expect(fields(bad).sort()).toEqual(['groupKey', 'status']);
    expect(fields(null)).toEqual(['(body)']);
    expect(fields('not json')).toEqual(['(body)']);
  });
});
