import { describe, expect, it } from 'vitest';
import { severityFromLabel } from '../../../src/incidents/incident.js';

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
