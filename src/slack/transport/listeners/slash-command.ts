import type { App } from '@slack/bolt';
import type { Logger } from '../../../kernel/logger.js';

/** Where a slash command was typed and by whom. */
export interface CommandContext {
  user: string;
  channel: string;
  /** Present when Slack sends it (a command typed in a thread). */
  threadTs?: string | undefined;
}

/** The quick half of a slash command: the text after the command in, the private reply out. */
export interface SlashHandler {
  handle(text: string, ctx: CommandContext, logger: Logger): Promise<string>;
}

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
      const reply = await handler.handle(
        command.text,
        { user: command.user_id, channel: command.channel_id, threadTs },
        log,
      );
      await ack({ response_type: 'ephemeral', text: reply });
    } catch (err) {
      log.error({ err }, 'slash command failed');
      await ack({
        response_type: 'ephemeral',
        text: 'Sorry, that failed on our side; it was logged. Try again in a moment.',
      });
    }
  });
}
