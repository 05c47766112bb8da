import { describe, expect, it } from 'vitest';
import { remediationResultMessage } from '../../../src/blocks/remediation-result.js';
import { allTexts, couldPing, expectWithinSlackLimits } from './slack-limits.js';

const proposal = { title: 'Raise maxmemory', target: 'cache-1', decidedBy: 'U0BOB' };

describe('remediationResultMessage', () => {
  it('says what ran where, who approved it, and the result', () => {
    const msg = remediationResultMessage(proposal, 'executed', true, 'CONFIG SET maxmemory 2gb → OK');
    expect(msg.text).toBe('Raise maxmemory on cache-1: executed');
    expect(msg.blocks).toEqual([
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: ':white_check_mark: *Raise maxmemory* on `cache-1` (approved by <@U0BOB>)\nCONFIG SET maxmemory 2gb → OK',
        },
      },
    ]);
  });

  it.each([
    ['executed', true, ':white_check_mark:'],
    ['executed', false, ':warning:'],
    ['skipped', false, ':warning:'],
    ['failed', false, ':x:'],
  ] as const)('marks %s (verified: %s) with %s', (outcome, verified, icon) => {
    const msg = remediationResultMessage(proposal, outcome, verified, 'r');
    expect(allTexts(msg)[1]?.startsWith(`${icon} `)).toBe(true);
    expect(msg.text).toBe(`Raise maxmemory on cache-1: ${outcome}`);
  });

  it('escapes the result (it can echo target output) and stays within Slack limits', () => {
    const msg = remediationResultMessage(proposal, 'failed', false, `<!here> ${'<'.repeat(10_000)}`);
    expectWithinSlackLimits(msg);
    for (const t of allTexts(msg)) expect(couldPing(t)).toBe(false);
  });
});
