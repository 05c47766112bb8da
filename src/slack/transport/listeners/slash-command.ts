import type { App } from '@slack/bolt';
import type { CommandContext } from '../../../commands/find-incident.js';
import type { Logger } from '../../../kernel/logger.js';

/** The quick half of a slash command: parsed input in, the private reply out. */
export interface SlashHandler<C> {
  handle(cmd: C, ctx: CommandContext, logger: Logger): Promise<string>;
}

/**
 * Registers a slash command the way every one of ours works: parse, hand to the service, ack privately with its
 * answer (within Slack's 3 s; slow work is queued by the service). A failure is logged and answered politely.
 */
export function registerSlashCommand<C>(
  app: App,
  name: `/${string}`,
  parse: (text: string) => C,
  handler: SlashHandler<C>,
  logger: Logger,
): void {
  app.command(name, async ({ command, ack }) => {
    const log = logger.child({ command: name, user: command.user_id });
    const threadTs = (command as { thread_ts?: string }).thread_ts;
    try {
      const reply = await handler.handle(
        parse(command.text),
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
