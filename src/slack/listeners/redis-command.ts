import type { App } from '@slack/bolt';
import type { Logger } from '../../logger.js';
import type { RedisCommandIntake } from '../../targets/redis-command-intake.js';
import { parseRedisCommand } from '../commands/parse-redis-command.js';

/** `/redis …`: parse, hand to the intake, ack privately with its answer. */
export function registerRedisCommand(app: App, intake: RedisCommandIntake, logger: Logger): void {
  app.command('/redis', async ({ command, ack }) => {
    const log = logger.child({ command: '/redis', user: command.user_id });
    const threadTs = (command as { thread_ts?: string }).thread_ts;
    try {
      const reply = await intake.handle(
        parseRedisCommand(command.text),
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
