import { describe, expect, it } from 'vitest';
import { AlertStateSchema, type Incident, IncidentSchema } from '../../../src/incidents/incident.js';
import {
  impactWindow,
  POSTMORTEM_SCHEMA_VERSION,
  type PostmortemInput,
  renderPostmortemJson,
  renderPostmortemMarkdown,
} from '../../../src/incidents/postmortem.js';
import type { TimelineEvent } from '../../../src/incidents/timeline.js';
import type { Proposal } from '../../../src/remediation/proposal.js';

const incident: Incident = IncidentSchema.parse({
  id: 'INC-7',
  title: 'Redis out of configured maxmemory',
  status: 'resolved',
  severity: 'sev2',
  target: 'cache-1',
  channel: 'C0INC',
  commander: 'U0ALICE',
  createdAt: '2026-11-23T14:02:11.000Z',
  resolvedAt: '2026-11-23T14:47:11.000Z',
  summary: 'Raised maxmemory; TTLs added to session keys',
});

const alerts = [
  AlertStateSchema.parse({
    fingerprint: 'b1',
    alertname: 'RedisOutOfConfiguredMaxmemory',
    status: 'resolved',
    startsAt: '2026-11-23T14:00:41Z',
    endsAt: '2026-11-23T14:45:41Z',
    labels: { instance: 'redis-cache-1:6379' },
    generatorURL: 'http://prometheus.example:9090/graph?g0.expr=redis',
    runbookUrl: 'https://runbooks.example/redis-oom',
  }),
  AlertStateSchema.parse({
    fingerprint: 'b2',
    alertname: 'RedisHighMemory',
    status: 'resolved',
    startsAt: '2026-11-23T14:01:41Z',
    endsAt: '2026-11-23T14:45:41Z',
    labels: {},
  }),
];

function event(i: number, over: Partial<TimelineEvent>): TimelineEvent {
  return { id: `1700000000000-${i}`, at: '', type: 'note', actor: 'bot', text: '', data: {}, ...over };
}

const events: TimelineEvent[] = [
  event(0, {
    at: '2026-11-23T14:02:11.000Z',
    type: 'incident.opened',
    actor: 'alertmanager',
    text: 'opened from RedisOutOfConfiguredMaxmemory',
  }),
  event(1, { at: '2026-11-23T14:02:12.000Z', type: 'diagnosis.started', text: 'runbook high-memory' }),
  event(2, { at: '2026-11-23T14:02:30.000Z', type: 'finding', text: 'critical: Memory at 96% of the limit' }),
  event(3, {
    at: '2026-11-23T14:02:31.000Z',
    type: 'diagnosis.finished',
    text: '2 findings',
    data: { advice: ['Add memory before the next peak', 'Give cache keys a TTL'] },
  }),
  event(4, { at: '2026-11-23T14:03:00.000Z', type: 'note', actor: 'U0ALICE', text: 'a | b\nsecond line | c' }),
  event(5, { at: '2026-11-23T14:07:00.000Z', type: 'proposal.approved', actor: 'U0BOB', text: 'approved P-inc-7-1' }),
  event(6, { at: '2026-11-23T14:07:02.000Z', type: 'action.executed', text: 'maxmemory 1000.0 MiB → 1.2 GiB' }),
  event(7, { at: '2026-11-23T14:47:11.000Z', type: 'incident.resolved', actor: 'U0ALICE', text: 'resolved' }),
  event(8, {
    at: '2026-11-24T08:00:00.000Z',
    type: 'note',
    actor: 'U0BOB',
    text: 'root cause: nightly export',
    data: { afterResolution: true },
  }),
];

const proposals: Proposal[] = [
  {
    id: 'P-inc-7-1',
    incidentId: 'INC-7',
    action: 'config-set-maxmemory',
    title: 'Raise maxmemory',
    target: 'cache-1',
    params: '{"fromBytes":1048576000,"toBytes":1258291200}',
    command: 'CONFIG SET maxmemory 1258291200',
    reason: 'Memory at 96%',
    risk: '',
    status: 'executed',
    requester: 'bot',
    createdAt: '2026-11-23T14:05:00.000Z',
    expiresAt: '2026-11-23T14:20:00.000Z',
    decidedBy: 'U0BOB',
    decidedAt: '2026-11-23T14:07:00.000Z',
    channel: 'C0INC',
    messageTs: '1700000000.000300',
    result: 'maxmemory 1000.0 MiB → 1.2 GiB | verified',
  },
];

const input: PostmortemInput = { incident, alerts, events, proposals, generatedAt: '2026-11-24T09:00:00.000Z' };

/** The lines of one `## heading` section, up to the next heading. */
function section(markdown: string, heading: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.indexOf(`## ${heading}`);
  if (start < 0) throw new Error(`no section ${heading}`);
  const end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  return lines.slice(start + 1, end < 0 ? undefined : end).filter((l) => l !== '');
}

/** Cells of a GFM table row, splitting only on pipes that are not backslash-escaped. */
function cells(row: string): string[] {
  return row
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

describe('impactWindow', () => {
  it('runs from the first alert start to the resolution', () => {
    expect(impactWindow(input)).toEqual({ start: '2026-11-23T14:00:41Z', end: '2026-11-23T14:47:11.000Z' });
  });

  it('starts at the incident creation without alerts and has no end while open', () => {
    expect(impactWindow({ ...input, alerts: [], incident: { ...incident, status: 'open', resolvedAt: '' } })).toEqual({
      start: incident.createdAt,
      end: '',
    });
  });
});

describe('renderPostmortemMarkdown', () => {
  const md = renderPostmortemMarkdown(input);

  it('has the title and a summary with status, severity, target, commander and resolution', () => {
    expect(md.split('\n')[0]).toBe('# Postmortem INC-7: Redis out of configured maxmemory');
    expect(section(md, 'Summary')).toEqual([
      '- Status: resolved',
      '- Severity: sev2',
      '- Target: cache-1',
      '- Commander: <@U0ALICE>',
      '- Resolution: Raised maxmemory; TTLs added to session keys',
    ]);
  });

  it('has the impact window in UTC with its duration', () => {
    expect(section(md, 'Impact window')).toEqual([
      '- First alert: 2026-11-23 14:00:41 UTC',
      '- Resolved: 2026-11-23 14:47:11 UTC',
      '- Duration: 47 min',
    ]);
  });

  it('says still open without a resolution', () => {
    const open = renderPostmortemMarkdown({ ...input, incident: { ...incident, status: 'open', resolvedAt: '' } });
    expect(section(open, 'Impact window')).toEqual([
      '- First alert: 2026-11-23 14:00:41 UTC',
      '- Resolved: still open',
    ]);
  });

  it('has a UTC timeline table with every event in order, five cells a row even with pipes and newlines', () => {
    const [head, rule, ...rows] = section(md, 'Timeline (UTC)');
    expect(head).toBe('| # | time | event | actor | detail |');
    expect(rule).toBe('|---|---|---|---|---|');
    expect(rows).toHaveLength(events.length);
    rows.forEach((row, i) => {
      const e = events[i]!;
      const c = cells(row);
      expect(c).toHaveLength(5);
      expect(c[0]).toBe(String(i + 1));
      expect(c[1]).toBe(e.at.replace('T', ' ').replace('.000Z', ' UTC'));
      expect(c[2]).toBe(e.type);
    });
    expect(cells(rows[4]!)).toEqual([
      '5',
      '2026-11-23 14:03:00 UTC',
      'note',
      '<@U0ALICE>',
      'a \\| b<br>second line \\| c',
    ]);
  });

  it('lists findings from the timeline', () => {
    expect(section(md, 'Findings')).toEqual(['- critical: Memory at 96% of the limit']);
  });

  it('lists actions with command, requester, approver, status and result', () => {
    const [head, , row, ...rest] = section(md, 'Actions');
    expect(head).toBe('| action | command | requester | approver | status | result |');
    expect(rest).toEqual([]);
    expect(cells(row!)).toEqual([
      'Raise maxmemory',
      '`CONFIG SET maxmemory 1258291200`',
      'bot',
      '<@U0BOB> at 2026-11-23 14:07:00 UTC',
      'executed',
      'maxmemory 1000.0 MiB → 1.2 GiB \\| verified',
    ]);
  });

  it('has follow-ups from the diagnosis advice, without duplicates, and links from the alerts', () => {
    const again = { ...events[3]!, id: '1700000000000-9' };
    const withDup = renderPostmortemMarkdown({ ...input, events: [...events, again] });
    expect(section(withDup, 'Follow-ups')).toEqual([
      '- [ ] Add memory before the next peak',
      '- [ ] Give cache keys a TTL',
    ]);
    expect(section(md, 'Links').filter((l) => l.startsWith('- '))).toEqual([
      '- RedisOutOfConfiguredMaxmemory source: http://prometheus.example:9090/graph?g0.expr=redis',
      '- RedisOutOfConfiguredMaxmemory runbook: https://runbooks.example/redis-oom',
    ]);
    // A list item keeps its continuation line (Markdown lazy continuation).
    expect(section(md, 'Notes')).toEqual([
      '- 2026-11-23 14:03:00 UTC <@U0ALICE>: a | b',
      'second line | c',
      '- 2026-11-24 08:00:00 UTC <@U0BOB> (after resolution): root cause: nightly export',
    ]);
  });

  it('says so when there is nothing to report', () => {
    const empty = renderPostmortemMarkdown({
      ...input,
      incident: { ...incident, commander: '', target: '', targetHint: 'instance=x:6379', summary: '' },
      alerts: [],
      events: [],
      proposals: [],
    });
    expect(section(empty, 'Summary')).toContain('- Target: unknown (instance=x:6379)');
    expect(section(empty, 'Summary')).toContain('- Commander: unassigned');
    expect(section(empty, 'Timeline (UTC)')).toHaveLength(2);
    expect(section(empty, 'Findings')).toEqual(['None recorded.']);
    expect(section(empty, 'Actions')).toEqual(['None proposed.']);
    expect(section(empty, 'Notes')).toEqual(['None.']);
    expect(section(empty, 'Follow-ups')).toEqual(['- Review the timeline and add follow-ups.']);
    expect(section(empty, 'Links')[0]).toBe('None.');
    expect(section(empty, 'Links')).toHaveLength(2); // None. and the footer
  });

  it('ends with when it was generated', () => {
    expect(md.trimEnd().split('\n').at(-1)).toBe('_Generated 2026-11-24 09:00:00 UTC by redis-incident-bot._');
  });
});

describe('renderPostmortemJson', () => {
  const json = JSON.parse(renderPostmortemJson(input)) as Record<string, unknown>;

  it('carries the schema version and the generation time', () => {
    expect(POSTMORTEM_SCHEMA_VERSION).toBe(1);
    expect(json.schemaVersion).toBe(POSTMORTEM_SCHEMA_VERSION);
    expect(json.generatedAt).toBe(input.generatedAt);
  });

  it('round-trips the incident, alerts and timeline', () => {
    expect(IncidentSchema.parse(json.incident)).toEqual(incident);
    expect(json.alerts).toEqual(alerts);
    expect(json.timeline).toEqual(events);
    expect(json.impact).toEqual(impactWindow(input));
  });

  it('exports notes, saying which were added after resolution', () => {
    expect(json.notes).toEqual([
      { at: '2026-11-23T14:03:00.000Z', author: 'U0ALICE', text: 'a | b\nsecond line | c', afterResolution: false },
      { at: '2026-11-24T08:00:00.000Z', author: 'U0BOB', text: 'root cause: nightly export', afterResolution: true },
    ]);
  });

  it('exports actions with approver and nulls for what did not happen', () => {
    expect(json.actions).toEqual([
      {
        id: 'P-inc-7-1',
        action: 'config-set-maxmemory',
        command: 'CONFIG SET maxmemory 1258291200',
        target: 'cache-1',
        requester: 'bot',
        approver: 'U0BOB',
        decidedAt: '2026-11-23T14:07:00.000Z',
        status: 'executed',
        result: 'maxmemory 1000.0 MiB → 1.2 GiB | verified',
      },
    ]);
    const pending = JSON.parse(
      renderPostmortemJson({
        ...input,
        proposals: [{ ...proposals[0]!, status: 'pending', decidedBy: '', decidedAt: '', result: '' }],
      }),
    ) as { actions: Array<Record<string, unknown>> };
    expect(pending.actions[0]).toMatchObject({ approver: null, decidedAt: null, result: null, status: 'pending' });
  });
});
