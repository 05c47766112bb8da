import { describe, expect, it } from 'vitest';
import {
  incidentStatusLine,
  invalidCommandReply,
  openIncidentsReply,
  runbooksReply,
  STATUS_PAGE_SIZE,
  usageText,
} from '../../../src/blocks/replies.js';
import { couldPing } from './slack-limits.js';

/** Slack's own escaping rules: `&`, `<`, `>` as entities, nothing else touched. */
const HOSTILE = '<!channel> <https://evil.example|the docs> & <@U0EVE> > done';
const ESCAPED = '&lt;!channel&gt; &lt;https://evil.example|the docs&gt; &amp; &lt;@U0EVE&gt; &gt; done';

const incident = {
  id: 'INC-3',
  title: HOSTILE,
  status: 'open',
  severity: 'sev2',
  target: 'cache-1',
  commander: 'U0ALICE',
  createdAt: '2026-11-23T14:02:11.000Z',
};

describe('private replies', () => {
  it('a status line escapes the title (a summary from an alert) and keeps the bot’s own mention', () => {
    expect(incidentStatusLine(incident)).toBe(
      `INC-3 [open, sev2] ${ESCAPED} — target \`cache-1\`, commander <@U0ALICE> (since 2026-11-23 14:02:11 UTC)`,
    );
    expect(couldPing(incidentStatusLine(incident))).toBe(false);
  });

  it('a resolved incident says when it was resolved', () => {
    const line = incidentStatusLine({ ...incident, status: 'resolved', resolvedAt: '2026-11-23T15:00:00.000Z' });
    expect(line).toContain('[resolved, sev2]');
    expect(line).toContain('(resolved 2026-11-23 15:00:00 UTC)');
  });

  it('the open-incidents list escapes every line', () => {
    const incidents = [incident, { ...incident, id: 'INC-4', title: '@here & @channel' }];
    const reply = openIncidentsReply({ total: 2, page: 1, incidents });
    expect(reply.split('\n')).toHaveLength(3);
    expect(reply).toContain('*Open incidents (2):*');
    expect(couldPing(reply)).toBe(false);
    expect(reply).not.toContain('<https://');
    expect(reply).not.toContain('more');
    expect(openIncidentsReply({ total: 0, page: 1, incidents: [] })).toBe('No open incidents.');
  });

  const page = (total: number, p: number) => {
    const start = (p - 1) * STATUS_PAGE_SIZE;
    const n = Math.max(0, Math.min(STATUS_PAGE_SIZE, total - start));
    return {
      total,
      page: p,
      incidents: Array.from({ length: n }, (_, i) => ({ ...incident, id: `INC-${start + i + 1}` })),
    };
  };

  it('the open-incidents list shows one page, how many more and how to see them', () => {
    const text = openIncidentsReply(page(45, 1));
    expect(text).toContain('*Open incidents (45)* — 1–20, most severe first, then newest:');
    expect(text.split('\n').filter((l) => l.startsWith('• '))).toHaveLength(STATUS_PAGE_SIZE);
    expect(text).toContain('…and 25 more: `/incident status page 2`');
    const last = openIncidentsReply(page(45, 3));
    expect(last).toContain('41–45');
    expect(last).not.toContain('more:');
    expect(openIncidentsReply({ total: 45, page: 9, incidents: [] })).toBe(
      'Page 9 is past the end: 45 open incident(s) fill 3 page(s). Try `/incident status`.',
    );
  });

  it('a page of the open incidents stays within Slack’s 40,000 characters whatever the titles', () => {
    const incidents = Array.from({ length: STATUS_PAGE_SIZE }, (_, i) => ({
      ...incident,
      id: `INC-${i}`,
      title: '<&>'.repeat(5000),
      target: '&'.repeat(5000),
    }));
    const text = openIncidentsReply({ total: 50_000, page: 1, incidents });
    expect(text.length).toBeLessThan(40_000);
    expect(couldPing(text)).toBe(false);
  });

  it('a refusal that quotes what was typed escapes it', () => {
    const reply = invalidCommandReply('unexpected "<!here> <https://x|y>" after status', 'USAGE');
    expect(reply).toBe('unexpected "&lt;!here&gt; &lt;https://x|y&gt;" after status.\nUSAGE');
  });

  it('usage placeholders are escaped so Slack does not read them as links', () => {
    expect(usageText(['`/incident new <title>`', 'a & b'])).toBe('`/incident new &lt;title&gt;`\na &amp; b');
  });

  it('the runbook list escapes titles and alert names from the YAML', () => {
    const reply = runbooksReply([
      { name: 'custom', title: HOSTILE, match: { alertnames: ['A<b>'] }, steps: [{ probe: 'memory' }] },
    ]);
    expect(reply).toBe(`*Runbooks (1)*\n• \`custom\` ${ESCAPED} — alerts: A&lt;b&gt;; steps: memory`);
    expect(runbooksReply([])).toBe('No runbooks loaded.');
  });
});
