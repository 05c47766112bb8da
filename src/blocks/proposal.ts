import { ProposalIdSchema } from '../kernel/ids.js';
import { utc } from '../kernel/time.js';
import { LIMITS, safe, truncate } from './text.js';
import type { Block, SlackMessage } from './types.js';

/** A proposal's states, as its message words them (the stored proposal's status fits). */
export type ProposalViewStatus =
  | 'pending'
  | 'approved'
  | 'rejected'
  | 'expired'
  | 'executed'
  | 'failed'
  | 'skipped'
  | 'interrupted'
  | 'withdrawn';

/** What the proposal messages read of a proposal (the stored proposal fits); builders import no domain folder. */
export interface ProposalView {
  id: string;
  title: string;
  target: string;
  command: string;
  reason: string;
  risk: string;
  status: ProposalViewStatus;
  expiresAt: string;
  decidedBy: string;
  decidedAt: string;
  result: string;
}

export const APPROVE_ACTION_ID = 'proposal_approve';
export const REJECT_ACTION_ID = 'proposal_reject';
/** The value carried by Approve / Reject buttons, validated when a click comes back: a proposal id, nothing else. */
export const ProposalButtonValueSchema = ProposalIdSchema;

function describe(p: ProposalView): Block[] {
  return [
    {
      type: 'section',
      text: { type: 'mrkdwn', text: `:wrench: *Proposed fix: ${safe(p.title, 200)}* on \`${safe(p.target, 100)}\`` },
    },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: truncate(`*Command*\n\`${safe(p.command, 500)}\``, LIMITS.field) },
        { type: 'mrkdwn', text: `*Target*\n\`${safe(p.target, 200)}\`` },
        { type: 'mrkdwn', text: truncate(`*Why*\n${safe(p.reason, 800)}`, LIMITS.field) },
        { type: 'mrkdwn', text: truncate(`*Risk*\n${safe(p.risk || 'see runbook', 800)}`, LIMITS.field) },
      ],
    },
  ];
}

/** A pending proposal with Approve / Reject buttons; the buttons carry only the proposal id. */
export function proposalMessage(p: ProposalView): SlackMessage {
  return {
    text: safe(`Proposed fix on ${p.target}: ${p.command} — awaiting approval`, 300),
    blocks: [
      ...describe(p),
      {
        type: 'actions',
        block_id: `proposal:${p.id}`,
        elements: [
          {
            type: 'button',
            text: { type: 'plain_text', text: 'Approve' },
            action_id: APPROVE_ACTION_ID,
            value: p.id,
            style: 'primary',
            confirm: {
              title: { type: 'plain_text', text: 'Run on production?' },
              text: {
                type: 'mrkdwn',
                text: truncate(`Run \`${safe(p.command, 400)}\` on \`${safe(p.target, 100)}\`?`, 300),
              },
              confirm: { type: 'plain_text', text: 'Run it' },
              deny: { type: 'plain_text', text: 'Cancel' },
            },
          },
          {
            type: 'button',
            text: { type: 'plain_text', text: 'Reject' },
            action_id: REJECT_ACTION_ID,
            value: p.id,
            style: 'danger',
          },
        ],
      },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: `${p.id} · expires ${utc(p.expiresAt)} · only approvers can approve` }],
      },
    ],
  };
}

const DECIDED_TEXT: Record<ProposalViewStatus, string> = {
  pending: ':hourglass: awaiting approval',
  approved: ':hourglass_flowing_sand: approved, running',
  rejected: ':no_entry_sign: rejected',
  expired: ':alarm_clock: expired',
  executed: ':white_check_mark: executed',
  failed: ':x: failed',
  skipped: ':warning: not run (precondition no longer holds)',
  interrupted: ':warning: interrupted (worker died mid-run)',
  withdrawn: ':heavy_multiplication_x: withdrawn',
};

/**
 * The proposal after a decision: buttons gone, who decided and when, and the result once there is one. A withdrawn
 * proposal says why in the same line (`withdrawn: incident resolved`); its `result` holds the reason.
 */
export function proposalDecidedMessage(p: ProposalView): SlackMessage {
  const who = p.decidedBy ? ` by <@${p.decidedBy}> at ${utc(p.decidedAt)}` : '';
  const lines =
    p.status === 'withdrawn'
      ? [
          `${DECIDED_TEXT.withdrawn}: ${safe(p.result || 'incident resolved', 300)}${p.decidedAt ? ` at ${utc(p.decidedAt)}` : ''}`,
        ]
      : [`${DECIDED_TEXT[p.status]}${p.status === 'expired' ? '' : who}`];
  if (p.result && p.status !== 'withdrawn') lines.push(safe(p.result, 1500));
  return {
    text: safe(`${p.title} on ${p.target}: ${p.status}`, 300),
    blocks: [
      ...describe(p),
      { type: 'section', text: { type: 'mrkdwn', text: truncate(lines.join('\n'), LIMITS.sectionText) } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `${p.id}` }] },
    ],
  };
}
