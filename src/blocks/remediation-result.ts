import { safe } from './text.js';
import type { SlackMessage } from './types.js';

export type RemediationOutcome = 'executed' | 'skipped' | 'failed' | 'interrupted';

/**
 * The thread message once an approved fix has run (or was skipped, failed, or was interrupted by its worker dying): who approved it and what happened.
 * `verified` says whether the action's verification held; an executed but unverified fix gets a warning icon.
 */
export function remediationResultMessage(
  p: { title: string; target: string; decidedBy: string },
  outcome: RemediationOutcome,
  verified: boolean,
  result: string,
): SlackMessage {
  const icon =
    outcome === 'executed'
      ? verified
        ? ':white_check_mark:'
        : ':warning:'
      : outcome === 'skipped' || outcome === 'interrupted'
        ? ':warning:'
        : ':x:';
  return {
    text: safe(`${p.title} on ${p.target}: ${outcome}`, 300),
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `${icon} *${safe(p.title)}* on \`${safe(p.target)}\` (approved by <@${p.decidedBy}>)\n${safe(result, 2500)}`,
        },
      },
    ],
  };
}
