import { describe, expect, it } from 'vitest';
import {
  APPROVE_ACTION_ID,
  ProposalButtonValueSchema,
  proposalDecidedMessage,
  proposalMessage,
  REJECT_ACTION_ID,
} from '../../../src/blocks/proposal.js';
import type { Block, Button } from '../../../src/blocks/types.js';
import { type Proposal, ProposalStatusSchema } from '../../../src/remediation/proposal.js';
import { allTexts, couldPing, expectWithinSlackLimits } from './slack-limits.js';

function proposal(over: Partial<Proposal> = {}): Proposal {
  return {
    id: 'P-inc-7-1',
    incidentId: 'INC-7',
    action: 'config-set-maxmemory',
    title: 'Raise maxmemory',
    target: 'cache-1',
    params: '{"fromBytes":1048576000,"toBytes":1258291200}',
    command: 'CONFIG SET maxmemory 1258291200   (1000.0 MiB → 1.2 GiB)',
    reason: 'Memory at 92.9% of 1000.0 MiB',
    risk: 'more memory for Redis on the host',
    status: 'pending',
    requester: 'bot',
    createdAt: '2026-11-23T14:05:00.000Z',
    expiresAt: '2026-11-23T14:20:00.000Z',
    decidedBy: '',
    decidedAt: '',
    channel: 'C0INC',
    messageTs: '1700000000.000300',
    result: '',
    ...over,
  };
}

const buttons = (blocks: Block[]): Button[] =>
  blocks.flatMap((b) => (b.type === 'actions' ? b.elements : [])).filter((e): e is Button => e.type === 'button');

describe('proposalMessage', () => {
  it('shows the exact command, target, reason and risk', () => {
    const texts = allTexts(proposalMessage(proposal())).join('\n');
    expect(texts).toContain(':wrench: *Proposed fix: Raise maxmemory* on `cache-1`');
    expect(texts).toContain('*Command*\n`CONFIG SET maxmemory 1258291200   (1000.0 MiB → 1.2 GiB)`');
    expect(texts).toContain('*Why*\nMemory at 92.9% of 1000.0 MiB');
    expect(texts).toContain('*Risk*\nmore memory for Redis on the host');
    expect(texts).toContain('P-inc-7-1 · expires 2026-11-23 14:20:00 UTC · only approvers can approve');
  });

  it('has Approve (with a confirmation) and Reject buttons whose value is only the proposal id', () => {
    const p = proposal();
    const [approve, reject, ...rest] = buttons(proposalMessage(p).blocks);
    expect(rest).toEqual([]);
    expect(approve).toMatchObject({
      action_id: APPROVE_ACTION_ID,
      value: p.id,
      style: 'primary',
      text: { text: 'Approve' },
    });
    expect(reject).toMatchObject({
      action_id: REJECT_ACTION_ID,
      value: p.id,
      style: 'danger',
      text: { text: 'Reject' },
    });
    expect(approve?.confirm?.text.text).toContain(p.command.slice(0, 20));
    // The value is checked when the click comes back; it carries no params, command or user.
    for (const b of [approve, reject]) expect(ProposalButtonValueSchema.safeParse(b?.value).success).toBe(true);
    expect(APPROVE_ACTION_ID).not.toBe(REJECT_ACTION_ID);
  });

  it('stays within Slack limits with huge text and cannot ping', () => {
    const huge = '<!channel> @here &'.repeat(1_000);
    const msg = proposalMessage(proposal({ title: huge, target: huge, command: huge, reason: huge, risk: huge }));
    expectWithinSlackLimits(msg);
    expect(msg.text.length).toBeLessThanOrEqual(300);
    for (const b of buttons(msg.blocks)) expect(b.confirm?.text.text.length ?? 0).toBeLessThanOrEqual(300);
    for (const text of allTexts(msg)) expect(couldPing(text), text.slice(0, 60)).toBe(false);
  });
});

describe('proposalDecidedMessage', () => {
  it.each(ProposalStatusSchema.options)('has no buttons when %s', (status) => {
    const msg = proposalDecidedMessage(proposal({ status, decidedBy: 'U0BOB', decidedAt: '2026-11-23T14:07:00.000Z' }));
    expect(buttons(msg.blocks)).toEqual([]);
    expect(msg.blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(msg.text).toBe(`Raise maxmemory on cache-1: ${status}`);
  });

  it('names who decided and when', () => {
    const msg = proposalDecidedMessage(
      proposal({ status: 'rejected', decidedBy: 'U0BOB', decidedAt: '2026-11-23T14:07:00.000Z' }),
    );
    expect(allTexts(msg)).toContain(':no_entry_sign: rejected by <@U0BOB> at 2026-11-23 14:07:00 UTC');
  });

  it('adds the result once there is one, escaped', () => {
    const msg = proposalDecidedMessage(
      proposal({
        status: 'executed',
        decidedBy: 'U0BOB',
        decidedAt: '2026-11-23T14:07:00.000Z',
        result: 'maxmemory 1000.0 MiB → 1.2 GiB <!channel>',
      }),
    );
    const text = allTexts(msg).find((t) => t.startsWith(':white_check_mark: executed')) ?? '';
    expect(text).toBe(
      ':white_check_mark: executed by <@U0BOB> at 2026-11-23 14:07:00 UTC\nmaxmemory 1000.0 MiB → 1.2 GiB &lt;!channel&gt;',
    );
  });

  it('says a withdrawn proposal was withdrawn, why and when, naming nobody', () => {
    const msg = proposalDecidedMessage(
      proposal({ status: 'withdrawn', decidedAt: '2026-11-23T14:40:00.000Z', result: 'incident resolved' }),
    );
    expect(allTexts(msg)).toContain(':heavy_multiplication_x: withdrawn: incident resolved at 2026-11-23 14:40:00 UTC');
    expect(allTexts(msg).join('\n')).not.toContain('<@');
  });

  it('does not name a person for an expired proposal', () => {
    const msg = proposalDecidedMessage(proposal({ status: 'expired', decidedBy: 'bot' }));
    expect(allTexts(msg)).toContain(':alarm_clock: expired');
    expect(allTexts(msg).join('\n')).not.toContain('<@');
  });

  it('stays within Slack limits with a huge result', () => {
    const msg = proposalDecidedMessage(
      proposal({ status: 'failed', decidedBy: 'U0BOB', result: '<&>'.repeat(10_000) }),
    );
    expectWithinSlackLimits(msg);
  });
});
