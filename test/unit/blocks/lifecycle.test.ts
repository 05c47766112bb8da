import { describe, expect, it } from 'vitest';
import {
  commanderChangedMessage,
  incidentChannelLinkMessage,
  incidentOpenedMessage,
  incidentResolvedMessage,
  noteMessage,
  severityChangedMessage,
} from '../../../src/blocks/lifecycle.js';
import type { SlackMessage } from '../../../src/blocks/types.js';
import { allTexts, couldPing, expectWithinSlackLimits } from './slack-limits.js';

/** Every lifecycle message is one mrkdwn section whose text is also the notification text. */
function onlyText(msg: SlackMessage): string {
  expect(msg.blocks).toHaveLength(1);
  expect(msg.blocks[0]).toMatchObject({ type: 'section', text: { type: 'mrkdwn', text: msg.text } });
  return msg.text;
}

describe('incident lifecycle messages', () => {
  it('opened: who opened it, who commands, how to add notes', () => {
    expect(onlyText(incidentOpenedMessage('U0ALICE', 'U0BOB'))).toBe(
      ':rotating_light: Opened by <@U0ALICE>, commander <@U0BOB>. Use `/incident note` to add to the timeline.',
    );
  });

  it('note: names the author and shows the note', () => {
    expect(onlyText(noteMessage('U0ALICE', 'Failing over to the replica'))).toBe(
      ':memo: Note from <@U0ALICE>: Failing over to the replica',
    );
  });

  it('note after resolution: labelled as such', () => {
    expect(onlyText(noteMessage('U0ALICE', 'Root cause: a cron job', { afterResolution: true }))).toBe(
      ':memo: Note from <@U0ALICE> _(added after the incident was resolved)_: Root cause: a cron job',
    );
  });

  it('incident channel link: where, who declared it (or the severity policy), and that commands there need no id', () => {
    expect(onlyText(incidentChannelLinkMessage('INC-3', 'C0NEW1', 'U0ALICE'))).toBe(
      ':loudspeaker: INC-3 has its own channel: <#C0NEW1> (declared by <@U0ALICE>). Slash commands there act on INC-3 without an id.',
    );
    expect(onlyText(incidentChannelLinkMessage('INC-3', 'C0NEW1', 'auto'))).toContain('(its severity calls for one)');
  });

  it('severity and commander changes say from what, to what, by whom', () => {
    expect(onlyText(severityChangedMessage('sev3', 'sev1', 'U0ALICE'))).toBe(
      ':arrows_counterclockwise: Severity sev3 → *sev1* (<@U0ALICE>)',
    );
    expect(onlyText(commanderChangedMessage('U0BOB', 'U0ALICE'))).toBe(
      ':bust_in_silhouette: <@U0BOB> is now the incident commander (set by <@U0ALICE>)',
    );
  });

  it('resolved: with and without a summary', () => {
    expect(onlyText(incidentResolvedMessage('U0ALICE', ''))).toBe(':white_check_mark: Resolved by <@U0ALICE>');
    expect(onlyText(incidentResolvedMessage('U0ALICE', 'maxmemory raised'))).toBe(
      ':white_check_mark: Resolved by <@U0ALICE>: maxmemory raised',
    );
  });

  it('typed text cannot ping and stays within Slack limits', () => {
    const hostile = `<!channel> @everyone ${'&'.repeat(5000)}`;
    for (const msg of [noteMessage('U0ALICE', hostile), incidentResolvedMessage('U0ALICE', hostile)]) {
      expectWithinSlackLimits(msg);
      for (const t of allTexts(msg)) expect(couldPing(t)).toBe(false);
      expect(msg.text).toContain('&lt;!channel&gt;');
    }
  });
});
