import { describe, expect, it } from 'vitest';
import { timelineMessage } from '../../../src/blocks/timeline.js';
import type { TimelineEvent } from '../../../src/incidents/timeline.js';
import { allTexts, couldPing, expectWithinSlackLimits } from './slack-limits.js';

function event(over: Partial<TimelineEvent> = {}): TimelineEvent {
  return {
    id: '1700000000000-0',
    at: '2026-11-23T14:02:11.000Z',
    type: 'note',
    actor: 'U0ALICE',
    text: 'Looked at the eviction graph',
    data: {},
    ...over,
  };
}

describe('timelineMessage', () => {
  it('heads with the incident, the count and the requester, then one monospaced line per event', () => {
    const msg = timelineMessage('INC-7', [event(), event({ type: 'incident.resolved', text: 'Resolved' })], 'U0BOB');
    expect(msg.text).toBe('Timeline of INC-7 (2 events)');
    expect(msg.blocks[0]).toMatchObject({
      type: 'section',
      text: { type: 'mrkdwn', text: '*Timeline of INC-7* (2 events, requested by <@U0BOB>)' },
    });
    expect(msg.blocks).toHaveLength(2);
    expect(allTexts(msg)[2]).toBe(
      '```2026-11-23 14:02:11 UTC  note  U0ALICE  Looked at the eviction graph\n' +
        '2026-11-23 14:02:11 UTC  incident.resolved  U0ALICE  Resolved\n```',
    );
  });

  it('posts only the header for an empty timeline', () => {
    const msg = timelineMessage('INC-7', [], 'U0BOB');
    expect(msg.blocks).toHaveLength(1);
    expect(msg.text).toBe('Timeline of INC-7 (0 events)');
  });

  it('chunks a long timeline under the section limit and stops at 46 blocks', () => {
    const events = Array.from({ length: 2000 }, (_, i) => event({ text: `event ${i} ${'x'.repeat(300)}` }));
    const msg = timelineMessage('INC-7', events, 'U0BOB');
    expectWithinSlackLimits(msg);
    expect(msg.blocks).toHaveLength(46);
    expect(allTexts(msg)[2]).toContain('event 0 ');
  });

  it('cuts each line to 400 characters', () => {
    const msg = timelineMessage('INC-7', [event({ text: 'y'.repeat(5000) })], 'U0BOB');
    expectWithinSlackLimits(msg);
    // The fence and the newline add 7 characters to the cut line.
    expect(allTexts(msg)[2]?.length).toBe(400 + 7);
  });

  it('escapes event text, so a note cannot ping the channel', () => {
    const msg = timelineMessage('INC-7', [event({ text: '<!channel> @here look <http://x|y>' })], 'U0BOB');
    for (const t of allTexts(msg)) expect(couldPing(t)).toBe(false);
    expect(allTexts(msg)[2]).toContain('&lt;!channel&gt;');
  });
});
