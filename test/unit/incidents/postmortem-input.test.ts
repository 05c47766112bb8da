import { describe, expect, it } from 'vitest';
import { AlertStateSchema, IncidentSchema } from '../../../src/incidents/incident.js';
import { loadPostmortemInput } from '../../../src/incidents/postmortem-input.js';
import type { TimelineEvent } from '../../../src/incidents/timeline.js';
import type { Proposal } from '../../../src/remediation/proposal.js';

const incident = IncidentSchema.parse({
  id: 'INC-7',
  title: 'Redis out of configured maxmemory',
  status: 'open',
  severity: 'sev2',
  channel: 'C0INC',
  createdAt: '2026-11-23T14:02:11.000Z',
});
const alerts = [
  AlertStateSchema.parse({
    fingerprint: 'b1',
    alertname: 'RedisDown',
    status: 'firing',
    startsAt: '2026-11-23T14:00:41Z',
    endsAt: '0001-01-01T00:00:00Z',
    labels: {},
  }),
];
const events: TimelineEvent[] = [
  { id: '1-0', at: '2026-11-23T14:02:11.000Z', type: 'note', actor: 'U0ALICE', text: 'looking', data: {} },
];

describe('loadPostmortemInput', () => {
  it('reads alerts, timeline and proposals of the incident and stamps the time given', async () => {
    const asked: string[] = [];
    const reads =
      <T>(what: string, value: T) =>
      async (id: string) => {
        asked.push(`${what} ${id}`);
        return value;
      };
    const input = await loadPostmortemInput(
      {
        store: { listAlerts: reads('alerts', alerts) },
        timeline: { read: reads('timeline', events) },
        proposals: { listForIncident: reads('proposals', [] as Proposal[]) },
      },
      incident,
      new Date('2026-11-23T15:00:00.000Z'),
    );
    expect(input).toEqual({ incident, alerts, events, proposals: [], generatedAt: '2026-11-23T15:00:00.000Z' });
    expect(asked.sort()).toEqual(['alerts INC-7', 'proposals INC-7', 'timeline INC-7']);
  });
});
