import type { App, BlockButtonAction } from '@slack/bolt';
import { DECLARE_CHANNEL_ACTION_ID } from '../../../blocks/declare-channel.js';
import { IncidentIdSchema } from '../../../kernel/ids.js';
import type { Logger } from '../../../kernel/logger.js';
import type { SlackNotifier } from '../slack-notifier.js';

/** Who handles a "Declare incident" click (IncidentCommandIntake); described by the method, so transport stays thin. */
export interface ChannelDeclarations {
  /** Queues the incident's own channel; returns what the clicker is told privately. */
  declareChannel(incidentId: string, user: string, logger: Logger): Promise<string>;
}

/** The card's "Declare incident" button: ack at once, queue the channel, answer the clicker privately. */
export function registerIncidentChannelAction(
  app: App,
  declarations: ChannelDeclarations,
  notifier: SlackNotifier,
  logger: Logger,
): void {
  app.action<BlockButtonAction>(DECLARE_CHANNEL_ACTION_ID, async ({ ack, body, action }) => {
    await ack();
    const user = body.user.id;
    const channel = body.channel?.id ?? body.container.channel_id;
    const threadTs = body.container.thread_ts ?? body.message?.thread_ts;
    // A button's value is untrusted input: it must be an incident id and nothing else.
    const id = IncidentIdSchema.safeParse(action.value);
    const reply = id.success
      ? await declarations.declareChannel(id.data, user, logger.child({ action: DECLARE_CHANNEL_ACTION_ID, user }))
      : 'That button carries no valid incident id; nothing done.';
    if (channel) await notifier.ephemeral(channel, user, reply, threadTs);
  });
}
