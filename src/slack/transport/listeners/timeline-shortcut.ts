import type { App, MessageShortcut } from '@slack/bolt';
import {
  ADD_TO_TIMELINE_CALLBACK_ID,
  CHOOSE_INCIDENT_CALLBACK_ID,
  CHOOSE_INCIDENT_INPUT,
  chooseIncidentModal,
  type FiledMessage,
  FiledMessageSchema,
} from '../../../blocks/incident-controls.js';
import type { ThreadCommands } from '../../../commands/thread/thread-commands.js';
import { IncidentIdSchema } from '../../../kernel/ids.js';
import type { Logger } from '../../../kernel/logger.js';
import { answerPrivately, servePrivately } from './answer-privately.js';
import { type CardNotifier, parseJson } from './card-actions.js';

/**
 * The message shortcut "Add to incident timeline": ack, then file the message (author, time, text; the worker adds
 * its permalink) on the incident of its thread. A message in no incident thread opens a modal to choose one of
 * the open incidents; with none open, the person is told so privately.
 */
export function registerTimelineShortcut(
  app: App,
  thread: ThreadCommands,
  notifier: CardNotifier,
  logger: Logger,
): void {
  app.shortcut<MessageShortcut>(
    { callback_id: ADD_TO_TIMELINE_CALLBACK_ID, type: 'message_action' },
    async ({ ack, shortcut }) => {
      await ack();
      const user = shortcut.user.id;
      const m = shortcut.message;
      const threadTs = typeof m.thread_ts === 'string' ? m.thread_ts : undefined;
      const answer = { user, channel: shortcut.channel.id, threadTs };
      const log = logger.child({ surface: 'shortcut', user });
      await servePrivately(notifier, answer, log, async () => {
        const parsed = FiledMessageSchema.safeParse({
          channel: shortcut.channel.id,
          ts: m.ts,
          threadTs,
          author: m.user ?? (typeof m.bot_id === 'string' ? m.bot_id : undefined) ?? 'unknown',
          text: m.text ?? '',
        });
        if (!parsed.success) {
          await answerPrivately(notifier, answer, 'Slack sent that message without a usable id; nothing filed.', log);
          return;
        }
        const message: FiledMessage = parsed.data;
        const ctx = { user, channel: message.channel, threadTs, via: 'shortcut' as const };
        const outcome = await thread.fileMessage(message, ctx, log);
        if ('choose' in outcome) {
          await notifier.openView(shortcut.trigger_id, chooseIncidentModal(message, outcome.choose));
          return;
        }
        await answerPrivately(notifier, answer, outcome.reply.text, log);
      });
    },
  );

  app.view(CHOOSE_INCIDENT_CALLBACK_ID, async ({ ack, body, view }) => {
    const chosen = IncidentIdSchema.safeParse(
      view.state.values[CHOOSE_INCIDENT_INPUT.block]?.[CHOOSE_INCIDENT_INPUT.action]?.selected_option?.value,
    );
    const message = FiledMessageSchema.safeParse(parseJson(view.private_metadata));
    if (!chosen.success || !message.success) {
      await ack({
        response_action: 'errors',
        errors: {
          [CHOOSE_INCIDENT_INPUT.block]: chosen.success
            ? 'This form lost its message; run the shortcut on it again.'
            : 'Choose an incident.',
        },
      });
      return;
    }
    await ack();
    const user = body.user.id;
    const answer = { user, channel: message.data.channel, threadTs: message.data.threadTs };
    const log = logger.child({ surface: 'shortcut', user, incidentId: chosen.data });
    await servePrivately(notifier, answer, log, async () => {
      const reply = await thread.fileMessageOn(
        chosen.data,
        message.data,
        { user, channel: message.data.channel, threadTs: message.data.threadTs, via: 'shortcut' },
        log,
      );
      await answerPrivately(notifier, answer, reply.text, log);
    });
  });
}
