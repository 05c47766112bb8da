import { describe, expect, it } from 'vitest';
import { Metrics } from '../../../src/http/metrics.js';

describe('Metrics', () => {
  it('exports a declared counter at 0 before the first event', () => {
    const m = new Metrics();
    m.counter('rib_alerts_received_total', 'Alertmanager notifications accepted');
    expect(m.render()).toBe(
      '# HELP rib_alerts_received_total Alertmanager notifications accepted\n' +
        '# TYPE rib_alerts_received_total counter\n' +
        'rib_alerts_received_total 0\n',
    );
  });

  it('counts per label set, whatever the order of the labels', () => {
    const m = new Metrics();
    m.counter('rib_http_requests_total', 'HTTP requests');
    m.inc('rib_http_requests_total', { route: '/alertmanager', code: '202' });
    m.inc('rib_http_requests_total', { code: '202', route: '/alertmanager' }, 2);
    m.inc('rib_http_requests_total', { route: '/alertmanager', code: '400' });
    expect(m.value('rib_http_requests_total', { route: '/alertmanager', code: '202' })).toBe(3);
    expect(m.value('rib_http_requests_total', { code: '400', route: '/alertmanager' })).toBe(1);
    expect(m.value('rib_http_requests_total', { code: '500', route: '/alertmanager' })).toBe(0);
    expect(m.value('unknown_total')).toBe(0);
    expect(m.render().split('\n')).toEqual([
      '# HELP rib_http_requests_total HTTP requests',
      '# TYPE rib_http_requests_total counter',
      'rib_http_requests_total{code="202",route="/alertmanager"} 3',
      'rib_http_requests_total{code="400",route="/alertmanager"} 1',
      '',
    ]);
  });

  it('does not redeclare (and reset) a counter', () => {
    const m = new Metrics();
    m.counter('c_total', 'first');
    m.inc('c_total');
    m.counter('c_total', 'second');
    expect(m.value('c_total')).toBe(1);
    expect(m.render()).toContain('# HELP c_total first\n');
  });

  it('throws on an undeclared counter', () => {
    expect(() => new Metrics().inc('nope_total')).toThrow(/undeclared counter nope_total/);
  });

  it('escapes backslash, double quote and newline in label values', () => {
    const m = new Metrics();
    m.counter('c_total', 'c');
    m.inc('c_total', { path: 'a\\b "q"\nnext' });
    expect(m.render()).toContain('c_total{path="a\\\\b \\"q\\"\\nnext"} 1\n');
  });

  it('renders gauges after counters with their own HELP and TYPE', () => {
    const m = new Metrics();
    m.counter('c_total', 'c');
    const text = m.render([
      {
        name: 'rib_queue_depth',
        help: 'Jobs waiting',
        values: [
          { labels: { queue: 'diagnostics' }, value: 4 },
          { labels: { queue: 'remediations' }, value: 0 },
        ],
      },
      { name: 'rib_open_incidents', help: 'Open incidents', values: [{ labels: {}, value: 2 }] },
    ]);
    expect(text.split('\n')).toEqual([
      '# HELP c_total c',
      '# TYPE c_total counter',
      'c_total 0',
      '# HELP rib_queue_depth Jobs waiting',
      '# TYPE rib_queue_depth gauge',
      'rib_queue_depth{queue="diagnostics"} 4',
      'rib_queue_depth{queue="remediations"} 0',
      '# HELP rib_open_incidents Open incidents',
      '# TYPE rib_open_incidents gauge',
      'rib_open_incidents 2',
      '',
    ]);
  });

  it('ends with a newline as the text format requires, even when empty', () => {
    expect(new Metrics().render()).toBe('\n');
  });
});
