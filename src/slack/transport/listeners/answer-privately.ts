import { errorMessage, isAppError } from '../../../kernel/errors.js';
import type { Logger } from '../../../kernel/logger.js';
import { STATE_STORE_UNAVAILABLE } from '../replay-guard.js';

/** Where a private answer goes: the person, in the channel (and thread) they acted in. */
export interface PrivateAnswerTarget {
  user: string;
  channel: string;
  threadTs?: string | undefined;
}

/** What the thread surfaces answer with (SlackNotifier fits). */
export interface PrivateAnswers {
  ephemeral(channel: string, user: string, text: string, threadTs?: string): Promise<void>;
}

/** Tells one person something privately; a failure to tell is logged, never thrown (Slack may be what failed). */
export async function answerPrivately(
  notifier: PrivateAnswers,
  to: PrivateAnswerTarget,
  text: string,
  logger: Logger,
): Promise<void> {
  try {
    await notifier.ephemeral(to.channel, to.user, text, to.threadTs);
  } catch (err) {
    logger.warn({ err: errorMessage(err), channel: to.channel }, 'could not answer privately');
  }
}

/**
 * Runs a surface's work after its ack; a failure is logged and told to the person privately: the state store's
 * outage as such, anything else as "failed on our side" (the details stay in the log).
 */
export async function servePrivately(
  notifier: PrivateAnswers,
  to: PrivateAnswerTarget,
  logger: Logger,
  work: () => Promise<void>,
): Promise<void> {
  try {
    await work();
  } catch (err) {
    if (isAppError(err, 'STATE_UNAVAILABLE') || isAppError(err, 'TIMEOUT')) {
      logger.warn({ err: errorMessage(err) }, 'thread action not served: state store unavailable');
      await answerPrivately(notifier, to, STATE_STORE_UNAVAILABLE, logger);
      return;
    }
    logger.error({ err }, 'thread action failed');
    await answerPrivately(
      notifier,
      to,
      'Sorry, that failed on our side; it was logged. Try again in a moment.',
      logger,
    );
  }
}
