import type { App } from '@slack/bolt';
import type { IncidentCommands } from '../../incidents/incident-commands.js';
import type { Logger } from '../../logger.js';
import { parseIncidentCommand } from '../commands/parse-incident-command.js';

/** `/incident …`: parse, hand to the service, ack privately with its answer. */
export function registerIncidentCommand(app: App, commands: IncidentCommands, logger: Logger): void {
  app.command('/incident', async ({ command, ack }) => {
    const log = logger.child({ command: '/incident', user: command.user_id });
    const threadTs = (command as { thread_ts?: string }).thread_ts;
    try {
      const reply = await commands.handle(
        parseIncidentCommand(command.text),
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
