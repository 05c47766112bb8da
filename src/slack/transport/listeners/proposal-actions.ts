import type { App, BlockButtonAction } from '@slack/bolt';
import { APPROVE_ACTION_ID, ProposalButtonValueSchema, REJECT_ACTION_ID } from '../../../blocks/proposal.js';
import type { Logger } from '../../../kernel/logger.js';
import type { SlackNotifier } from '../slack-notifier.js';

/** Who decides a click (ProposalService); described by the method used, so transport imports no remediation code. */
export interface ProposalDecisions {
  /** Returns what the clicker is told privately, or undefined when the public thread says it all. */
  decide(
    proposalId: string,
    decision: 'approved' | 'rejected',
    user: string,
    logger: Logger,
  ): Promise<string | undefined>;
}

/** Approve / Reject buttons: ack at once, then decide; a refusal is told to the clicker only. */
export function registerProposalActions(
  app: App,
  proposals: ProposalDecisions,
  notifier: SlackNotifier,
  logger: Logger,
): void {
  for (const [actionId, decision] of [
    [APPROVE_ACTION_ID, 'approved'],
    [REJECT_ACTION_ID, 'rejected'],
  ] as const) {
    app.action<BlockButtonAction>(actionId, async ({ ack, body, action }) => {
      await ack();
      const user = body.user.id;
      const channel = body.channel?.id ?? body.container.channel_id;
      const threadTs = body.container.thread_ts ?? body.message?.thread_ts;
      const log = logger.child({ action: actionId, user });
      // A button's value is untrusted input: it must be a proposal id and nothing else.
      const id = ProposalButtonValueSchema.safeParse(action.value);
      const reply = id.success
        ? await proposals.decide(id.data, decision, user, log)
        : 'That button carries no valid proposal id; nothing done.';
      if (reply && channel) await notifier.ephemeral(channel, user, reply, threadTs);
    });
  }
}
