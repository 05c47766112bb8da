import type { App, BlockAction } from '@slack/bolt';
import {
  CARD_ACTION,
  incidentIdOfBlock,
  NOTE_INPUT,
  NOTE_MODAL_CALLBACK_ID,
  NoteModalMetadataSchema,
  noteModal,
} from '../../../blocks/incident-controls.js';
import type { ModalView } from '../../../blocks/types.js';
import { type CardClick, type CardState, cardCommand } from '../../../commands/thread/card-action.js';
import type { ThreadCommands } from '../../../commands/thread/thread-commands.js';
import { INCIDENT_ID } from '../../../kernel/ids.js';
import type { Logger } from '../../../kernel/logger.js';
import { answerPrivately, type PrivateAnswers, servePrivately } from './answer-privately.js';

/** What the card's listeners say in Slack: private answers, and the note modal. SlackNotifier fits. */
export interface CardNotifier extends PrivateAnswers {
  openView(triggerId: string, view: ModalView): Promise<void>;
}

/** Commands whose effect shows in the thread only later: their ack ("Running …", "Exporting …") is told privately. */
const CONFIRMED = new Set(['diag', 'export', 'timeline']);

type Click = CardClick & { block_id?: string };

/** Where a card click came from: who, which channel, the card's thread, and the incident the control names. */
function origin(body: BlockAction, action: Click) {
  const channel = body.channel?.id ?? body.container.channel_id ?? '';
  const cardTs: string | undefined = body.message?.thread_ts ?? body.container.message_ts ?? body.message?.ts;
  const fromValue = action.value && INCIDENT_ID.test(action.value) ? action.value : undefined;
  return {
    user: body.user.id,
    channel,
    cardTs,
    incidentId: incidentIdOfBlock(action.block_id) ?? fromValue,
    triggerId: body.trigger_id,
    answer: { user: body.user.id, channel, threadTs: body.container.thread_ts ?? body.message?.thread_ts },
  };
}

/**
 * The card's controls: ack at once, then find the incident (named by the control, else the card's thread) and run
 * the command through the same intake as the slash commands. Add note opens a modal; its submission adds the
 * note. Refusals and failures are told to the clicker only; what was done shows on the card and in the thread.
 */
export function registerCardActions(app: App, thread: ThreadCommands, notifier: CardNotifier, logger: Logger): void {
  for (const actionId of Object.values(CARD_ACTION)) {
    app.action<BlockAction>(actionId, async ({ ack, body, action }) => {
      await ack();
      const click = action as unknown as Click;
      const o = origin(body, click);
      const log = logger.child({ surface: 'card', action: actionId, user: o.user });
      await servePrivately(notifier, o.answer, log, async () => {
        if (actionId === CARD_ACTION.note) {
          const incidentId =
            o.incidentId ?? (await thread.find({ channel: o.channel, threadTs: o.cardTs }))?.id ?? undefined;
          if (!incidentId) {
            await answerPrivately(notifier, o.answer, 'This card belongs to no incident I know; nothing done.', log);
            return;
          }
          await notifier.openView(o.triggerId, noteModal({ incidentId, channel: o.channel, threadTs: o.cardTs }));
          return;
        }
        const cmd = cardCommand(click, (body.state?.values ?? {}) as CardState);
        const incident = await thread.find({ incidentId: o.incidentId, channel: o.channel, threadTs: o.cardTs });
        if (!cmd || !incident) {
          await answerPrivately(notifier, o.answer, 'This card belongs to no incident I know; nothing done.', log);
          return;
        }
        const reply = await thread.run(
          cmd,
          incident,
          { user: o.user, channel: o.channel, threadTs: o.cardTs, via: 'card' },
          log,
        );
        if (!reply.ok || CONFIRMED.has(cmd.kind)) await answerPrivately(notifier, o.answer, reply.text, log);
      });
    });
  }

  app.view(NOTE_MODAL_CALLBACK_ID, async ({ ack, body, view }) => {
    const text = view.state.values[NOTE_INPUT.block]?.[NOTE_INPUT.action]?.value?.trim() ?? '';
    const meta = NoteModalMetadataSchema.safeParse(parseJson(view.private_metadata));
    if (!text) {
      await ack({ response_action: 'errors', errors: { [NOTE_INPUT.block]: 'Write the note first.' } });
      return;
    }
    if (!meta.success) {
      await ack({
        response_action: 'errors',
        errors: { [NOTE_INPUT.block]: 'This form lost its incident; open Add note again from the card.' },
      });
      return;
    }
    await ack();
    const user = body.user.id;
    const answer = { user, channel: meta.data.channel, threadTs: meta.data.threadTs };
    const log = logger.child({ surface: 'modal', user, incidentId: meta.data.incidentId });
    await servePrivately(notifier, answer, log, async () => {
      const incident = await thread.find({ incidentId: meta.data.incidentId, channel: meta.data.channel });
      if (!incident) {
        await answerPrivately(notifier, answer, `No incident ${meta.data.incidentId}; the note was not added.`, log);
        return;
      }
      const reply = await thread.run(
        { kind: 'note', text: text.slice(0, 3000) },
        incident,
        { user, channel: meta.data.channel, threadTs: meta.data.threadTs, via: 'modal' },
        log,
      );
      if (!reply.ok) await answerPrivately(notifier, answer, reply.text, log);
    });
  });
}

/** private_metadata is ours, but travels through Slack: anything that is not JSON reads as nothing. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
