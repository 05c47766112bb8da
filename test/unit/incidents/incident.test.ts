import { describe, expect, it } from 'vitest';
import { IncidentSchema, newIncident, severityFromLabel } from '../../../src/incidents/incident.js';

describe('severityFromLabel', () => {
  it.each([
    ['critical', 'sev2'],
    ['CRITICAL', 'sev2'],
    ['page', 'sev2'],
    ['warning', 'sev3'],
    ['Warning', 'sev3'],
    ['info', 'sev4'],
    ['none', 'sev4'],
    ['', 'sev4'],
    [undefined, 'sev4'],
  ] as const)('maps %j to %s', (label, severity) => {
    expect(severityFromLabel(label)).toBe(severity);
  });

  it('never opens a sev1 from an alert label alone', () => {
    for (const label of ['sev1', 'critical', 'page', 'disaster', 'emergency']) {
      expect(severityFromLabel(label)).not.toBe('sev1');
    }
  });
});

describe('newIncident', () => {
  it('opens with no thread, no resolution and empty optional fields', () => {
    const incident = newIncident({
      id: 'INC-4',
      title: 'Redis memory high',
      severity: 'sev3',
      channel: 'C0INCIDENTS',
      createdAt: '2026-11-23T14:02:11.000Z',
    });
    expect(incident).toEqual({
      id: 'INC-4',
      title: 'Redis memory high',
      status: 'open',
      severity: 'sev3',
      target: '',
      targetHint: '',
      channel: 'C0INCIDENTS',
      threadTs: '',
      groupKey: '',
      alertname: '',
      commander: '',
      createdAt: '2026-11-23T14:02:11.000Z',
      resolvedAt: '',
      summary: '',
      incidentChannel: '',
      incidentChannelCardTs: '',
      incidentChannelLinkTs: '',
    });
    expect(IncidentSchema.parse(incident)).toEqual(incident);
  });

  it('keeps the optional fields the caller gives', () => {
    const incident = newIncident({
      id: 'INC-5',
      title: 'On-demand diagnosis',
      severity: 'sev4',
      channel: 'C0INCIDENTS',
      createdAt: '2026-11-23T14:02:11.000Z',
      target: 'cache-prod',
      targetHint: 'instance=10.0.1.10:6379',
      groupKey: '{}:{alertname="RedisMemoryHigh"}',
      alertname: 'RedisMemoryHigh',
      commander: 'U0ALICE',
    });
    expect(incident).toMatchObject({
      target: 'cache-prod',
      targetHint: 'instance=10.0.1.10:6379',
      groupKey: '{}:{alertname="RedisMemoryHigh"}',
      alertname: 'RedisMemoryHigh',
      commander: 'U0ALICE',
      status: 'open',
    });
  });
});
