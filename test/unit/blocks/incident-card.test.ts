import { describe, expect, it } from 'vitest';
import { alertChangesSummaryMessage, alertEventMessage, incidentCard } from '../../../src/blocks/incident-card.js';
import type { SlackMessage } from '../../../src/blocks/types.js';
import type { AlertState, Incident } from '../../../src/incidents/incident.js';
import { allTexts, couldPing, expectWithinSlackLimits } from './slack-limits.js';

const NOW = '2026-11-23T15:32:00.000Z';

function incident(over: Partial<Incident> = {}): Incident {
  return {
    id: 'INC-7',
    title: 'Redis out of configured maxmemory',
    status: 'open',
    severity: 'sev2',
    target: 'cache-1',
    targetHint: 'instance=redis-cache-1:6379',
    channel: 'C0INC',
    threadTs: '1700000000.000100',
    groupKey: '{}:{alertname="RedisOutOfConfiguredMaxmemory"}',
    alertname: 'RedisOutOfConfiguredMaxmemory',
    commander: '',
    createdAt: '2026-11-23T14:02:11.000Z',
    resolvedAt: '',
    summary: '',
    incidentChannel: '',
    incidentChannelCardTs: '',
    incidentChannelLinkTs: '',
    ...over,
  };
}

function alert(over: Partial<AlertState> = {}): AlertState {
  return {
    fingerprint: 'b1a3b0e0bab586fe',
    alertname: 'RedisOutOfConfiguredMaxmemory',
    status: 'firing',
    startsAt: '2026-11-23T14:00:41Z',
    endsAt: '0001-01-01T00:00:00Z',
    summary: 'Redis out of configured maxmemory',
    description: 'Redis is running out of configured maxmemory (> 90%)',
    labels: { alertname: 'RedisOutOfConfiguredMaxmemory', instance: 'redis-cache-1:6379' },
    generatorURL: 'http://prometheus.example:9090/graph?g0.expr=redis',
    runbookUrl: '',
    refires: 0,
    ...over,
  };
}

const PING = '<!channel> <!here> @channel @everyone';

describe('incidentCard', () => {
  it('shows status, severity, target, commander, alert counts and duration', () => {
    const card = incidentCard(
      incident({ commander: 'U0ALICE' }),
      [alert(), alert({ fingerprint: 'f2', status: 'resolved', labels: { instance: 'redis-cache-2:6379' } })],
      { now: NOW, openProposals: 2 },
    );
    expect(card.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'INC-7 Redis out of configured maxmemory', emoji: false },
    });
    const fields = card.blocks[1]?.type === 'section' ? (card.blocks[1].fields ?? []).map((f) => f.text) : [];
    expect(fields).toEqual([
      '*Status*\n:rotating_light: open',
      '*Severity*\nsev2',
      '*Target*\n`cache-1`',
      '*Commander*\n<@U0ALICE>',
      '*Alerts*\n1 firing, 1 resolved',
      '*Duration*\n1h 29m',
    ]);
    const texts = allTexts(card).join('\n');
    expect(texts).toContain(':red_circle: RedisOutOfConfiguredMaxmemory redis-cache-1:6379 — Redis out of configured');
    expect(texts).toContain(':large_green_circle: RedisOutOfConfiguredMaxmemory redis-cache-2:6379');
    expect(texts).toContain('Opened 2026-11-23 14:02:11 UTC · 2 proposal(s) awaiting approval');
    expect(card.text).toBe('INC-7 [open] Redis out of configured maxmemory');
  });

  it('measures a resolved incident to its resolution, not to now', () => {
    const card = incidentCard(incident({ status: 'resolved', resolvedAt: '2026-11-23T14:12:11.000Z' }), [alert()], {
      now: NOW,
    });
    const texts = allTexts(card).join('\n');
    expect(texts).toContain('*Duration*\n10m (closed)');
    expect(texts).toContain(':white_check_mark: resolved');
    expect(texts).toContain('resolved 2026-11-23 14:12:11 UTC');
  });

  it('shows flapping: how often the alerts fired again after resolving', () => {
    const card = incidentCard(incident(), [alert({ refires: 2 }), alert({ fingerprint: 'f2', refires: 1 })], {
      now: NOW,
    });
    expect(allTexts(card)).toContain('*Alerts*\n2 firing, 0 resolved\n:repeat: flapping: fired again 3 times');
    const once = incidentCard(incident(), [alert({ refires: 1 })], { now: NOW });
    expect(allTexts(once).join('\n')).toContain('flapping: fired again 1 time\n');
    expect(allTexts(incidentCard(incident(), [alert()], { now: NOW })).join('\n')).not.toContain('flapping');
  });

  it('a resolved card awaits no approval: it counts the proposals withdrawn instead', () => {
    const resolved = incidentCard(incident({ status: 'resolved', resolvedAt: '2026-11-23T14:12:11.000Z' }), [alert()], {
      now: NOW,
      openProposals: 2,
      withdrawnProposals: 2,
    });
    const texts = allTexts(resolved).join('\n');
    expect(texts).not.toContain('awaiting approval');
    expect(texts).toContain('resolved 2026-11-23 14:12:11 UTC · 2 proposal(s) withdrawn');
    const open = allTexts(incidentCard(incident(), [alert()], { now: NOW, openProposals: 1 })).join('\n');
    expect(open).toContain('1 proposal(s) awaiting approval');
    expect(open).not.toContain('withdrawn');
  });

  it('offers "Declare incident" while open without a channel; links the channel once it has one', () => {
    // The card's other controls (incident-controls) have their own blocks; this one is the Declare button's.
    const declareBlocks = (m: SlackMessage) =>
      m.blocks.filter((b) => b.type === 'actions' && b.block_id?.startsWith('incident_channel:'));
    const open = incidentCard(incident(), [alert()], { now: NOW });
    const actions = declareBlocks(open);
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatchObject({
      block_id: 'incident_channel:INC-7',
      elements: [{ type: 'button', action_id: 'incident_declare_channel', value: 'INC-7' }],
    });
    const declared = incidentCard(incident({ incidentChannel: 'C0INC7' }), [alert()], { now: NOW });
    expect(declareBlocks(declared)).toEqual([]);
    expect(allTexts(declared).join('\n')).toContain('Opened 2026-11-23 14:02:11 UTC · channel <#C0INC7>');
    const resolved = incidentCard(incident({ status: 'resolved', resolvedAt: NOW }), [alert()], { now: NOW });
    expect(declareBlocks(resolved)).toEqual([]);
  });

  it('says how to route an alert that matched no target', () => {
    const card = incidentCard(incident({ target: '' }), [alert()], { now: NOW });
    expect(allTexts(card).join('\n')).toContain('no known target for instance=redis-cache-1:6379');
  });

  it('lists ten alerts and counts the rest', () => {
    const alerts = Array.from({ length: 25 }, (_, i) => alert({ fingerprint: `f${i}` }));
    const card = incidentCard(incident(), alerts, { now: NOW });
    const list = allTexts(card).find((t) => t.includes('more')) ?? '';
    expect(list.split('\n')).toHaveLength(11);
    expect(list).toContain('… and 15 more');
  });

  it('cannot ping from alert text, in the blocks or in the notification text', () => {
    const card = incidentCard(
      incident({ title: `Disk full ${PING}`, target: '', targetHint: `instance=${PING}` }),
      [alert({ alertname: PING, summary: PING, labels: { instance: PING } })],
      { now: NOW },
    );
    for (const text of allTexts(card)) {
      // The header is plain_text, which Slack never parses for mentions.
      if (text.startsWith('INC-7 Disk full')) continue;
      expect(couldPing(text), text).toBe(false);
    }
    expect(card.text).toContain('&lt;!channel&gt;');
  });

  it('stays within Slack limits with huge alert text', () => {
    const huge = 'x&<'.repeat(3_000);
    const alerts = Array.from({ length: 40 }, (_, i) =>
      alert({ fingerprint: `f${i}`, summary: huge, alertname: huge }),
    );
    const card = incidentCard(incident({ title: huge, targetHint: huge, target: '' }), alerts, { now: NOW });
    expectWithinSlackLimits(card);
  });
});

describe('alertEventMessage', () => {
  it('names the alert and instance, quotes the description and links source and runbook', () => {
    const msg = alertEventMessage(alert({ runbookUrl: 'https://runbooks.example/redis#oom' }));
    expect(msg.text).toBe('Firing: RedisOutOfConfiguredMaxmemory');
    expect(msg.blocks).toHaveLength(1);
    const text = allTexts(msg)[1] ?? '';
    expect(text.split('\n')).toEqual([
      ':red_circle: Firing: *RedisOutOfConfiguredMaxmemory* on redis-cache-1:6379',
      'Redis out of configured maxmemory',
      '>Redis is running out of configured maxmemory (&gt; 90%)',
      '<http://prometheus.example:9090/graph?g0.expr=redis|source> · <https://runbooks.example/redis#oom|runbook>',
    ]);
  });

  it('says Resolved for a resolved alert and omits links that are not http(s)', () => {
    const msg = alertEventMessage(alert({ status: 'resolved', generatorURL: 'javascript:alert(1)', description: '' }));
    expect(msg.text).toBe('Resolved: RedisOutOfConfiguredMaxmemory');
    expect(allTexts(msg)[1]).not.toContain('source>');
    expect(allTexts(msg)[1]).toMatch(/^:large_green_circle: Resolved/);
  });

  it('says "Fired again (flapping)" for an alert that fired before', () => {
    const msg = alertEventMessage(alert({ refires: 1 }));
    expect(msg.text).toBe('Fired again (flapping): RedisOutOfConfiguredMaxmemory');
    expect(allTexts(msg)[1]).toMatch(/^:red_circle: Fired again \(flapping\): \*RedisOutOfConfiguredMaxmemory\* on /);
    // Its resolution is an ordinary one.
    expect(alertEventMessage(alert({ refires: 1, status: 'resolved' })).text).toBe(
      'Resolved: RedisOutOfConfiguredMaxmemory',
    );
  });

  it('keeps a multi-line description quoted on every line', () => {
    const text = allTexts(alertEventMessage(alert({ description: 'one\ntwo\nthree' })))[1] ?? '';
    expect(text).toContain('>one\n>two\n>three');
  });

  it('cannot ping, and a crafted URL cannot break out of its link', () => {
    const msg = alertEventMessage(
      alert({
        alertname: PING,
        summary: PING,
        description: PING,
        labels: { instance: PING },
        generatorURL: 'http://x/|<!channel>',
        runbookUrl: 'https://y/><!here>',
      }),
    );
    for (const text of allTexts(msg)) expect(couldPing(text), text).toBe(false);
  });

  it('escapes & in link URLs as Slack asks, and leaves out URLs too long to keep whole', () => {
    const msg = alertEventMessage(
      alert({ generatorURL: 'http://prom/graph?g0.expr=up&g0.tab=1', runbookUrl: `https://r/${'x'.repeat(1200)}` }),
    );
    const text = allTexts(msg)[1] ?? '';
    expect(text).toContain('<http://prom/graph?g0.expr=up&amp;g0.tab=1|source>');
    expect(text).not.toContain('runbook>');
  });

  it('stays within Slack limits with huge input', () => {
    const huge = '<&>'.repeat(10_000);
    const msg = alertEventMessage(
      alert({ alertname: huge, summary: huge, description: huge, labels: { instance: huge } }),
    );
    expectWithinSlackLimits(msg);
    expect(msg.text.length).toBeLessThanOrEqual(300);
  });
});

describe('alertChangesSummaryMessage', () => {
  it('sums up the changes not posted one by one and the alerts Alertmanager left out', () => {
    const msg = alertChangesSummaryMessage({ firing: 4000, resolved: 980, truncated: 250 });
    expectWithinSlackLimits(msg);
    const [text] = allTexts(msg);
    expect(text).toContain('4,980 more alert changes in this notification (4,000 firing, 980 resolved)');
    expect(text).toContain('left 250 more alerts of this group out of the notification (`webhook_configs.max_alerts`)');
  });

  it('says only what applies', () => {
    expect(allTexts(alertChangesSummaryMessage({ firing: 1, resolved: 0, truncated: 0 })).join('\n')).toMatch(
      /^… and 1 more alert change in/,
    );
    const onlyTruncated = allTexts(alertChangesSummaryMessage({ firing: 0, resolved: 0, truncated: 1 })).join('\n');
    expect(onlyTruncated).toContain('left 1 more alert of this group');
    expect(onlyTruncated).not.toContain('more alert change');
  });
});
