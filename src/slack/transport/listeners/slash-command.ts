import type { App } from '@slack/bolt';
import type { SlashHandler } from '../../../commands/slash-handler.js';
import { errorMessage, isAppError } from '../../../kernel/errors.js';
import type { Logger } from '../../../kernel/logger.js';
import { withTimeout } from '../../../kernel/timeout.js';
import { STATE_STORE_UNAVAILABLE } from '../replay-guard.js';

/** The quick half must have answered by then; the replay check before it takes milliseconds when Redis is up. */
export const SLASH_REPLY_DEADLINE_MS = 2000;

/**
 * Registers a slash command the way every one of ours works: hand the text to its intake (which parses it), ack
 * privately with its answer (within Slack's 3 s; slow work is queued by the intake). A failure is logged and
 * answered politely.
 */
export function registerSlashCommand(app: App, name: `/${string}`, handler: SlashHandler, logger: Logger): void {
  app.command(name, async ({ command, ack }) => {
    const log = logger.child({ command: name, user: command.user_id });
    const threadTs = (command as { thread_ts?: string }).thread_ts;
    try {
      // Bounded: Slack shows "operation_timeout" after 3 s, so a state Redis that stops answering mid-command must
      // still get a reply out in time.
      const reply = await withTimeout(
        handler.handle(command.text, { user: command.user_id, channel: command.channel_id, threadTs }, log),
        SLASH_REPLY_DEADLINE_MS,
        `${name} reply`,
      );
      await ack({ response_type: 'ephemeral', text: reply });
    } catch (err) {
      if (isAppError(err, 'STATE_UNAVAILABLE') || isAppError(err, 'TIMEOUT')) {
        log.warn({ err: errorMessage(err) }, 'slash command not served: state store unavailable');
        await ack({ response_type: 'ephemeral', text: STATE_STORE_UNAVAILABLE });
        return;
      }
      log.error({ err }, 'slash command failed');
      await ack({
        response_type: 'ephemeral',
        text: 'Sorry, that failed on our side; it was logged. Try again in a moment.',
      });
    }
  });
}
