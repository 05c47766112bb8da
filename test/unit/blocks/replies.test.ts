import { describe, expect, it } from 'vitest';
import {
  incidentStatusLine,
  invalidCommandReply,
  openIncidentsReply,
  runbooksReply,
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
    const reply = openIncidentsReply([incident, { ...incident, id: 'INC-4', title: '@here & @channel' }]);
    expect(reply.split('\n')).toHaveLength(3);
    expect(reply).toContain('*Open incidents (2):*');
    expect(couldPing(reply)).toBe(false);
    expect(reply).not.toContain('<https://');
    expect(openIncidentsReply([])).toBe('No open incidents.');
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
