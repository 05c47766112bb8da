/**
 * Entry point: config → logger → bot → listen; SIGTERM/SIGINT drain (stop taking work, finish running jobs).
 * Wiring only; see bot.ts.
 */
import { createBot } from './bot.js';
import { loadConfig } from './config/load-config.js';
import { isAppError } from './kernel/errors.js';
import { createLogger } from './kernel/logger.js';

let config: ReturnType<typeof loadConfig>;
try {
  // process.env by default: config/ is its only reader.
  config = loadConfig();
} catch (err) {
  // One readable message naming the variable or YAML path, not a stack trace.
  process.stderr.write(`redis-incident-bot: ${isAppError(err) ? err.message : String(err)}\n`);
  process.exit(2);
}
const logger = createLogger(config.env.LOG_LEVEL);
let bot: ReturnType<typeof createBot>;
try {
  bot = createBot(config, logger);
} catch (err) {
  process.stderr.write(`redis-incident-bot: ${isAppError(err) ? err.message : String(err)}\n`);
  process.exit(2);
}
try {
  await bot.start();
} catch (err) {
  // Such as a Slack token Slack refuses: say which, then let go of the connections already opened.
  process.stderr.write(`redis-incident-bot: ${isAppError(err) ? err.message : String(err)}\n`);
  await bot.stop().catch(() => {});
  process.exit(2);
}

let signals = 0;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    signals += 1;
    if (signals > 1) process.exit(1); // a second signal means "now"
    logger.info({ signal }, 'draining');
    bot.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
