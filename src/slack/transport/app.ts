import { App, type Logger as BoltLogger, type CustomRoute, HTTPReceiver, LogLevel } from '@slack/bolt';
import type { Logger } from '../../kernel/logger.js';
import { BotIdentity } from './bot-identity.js';
import { SIGNATURE_PROPERTY } from './replay-guard.js';
import { slackApiUrlOption } from './slack-api-url.js';
import { createWebClient } from './slack-notifier.js';

export interface SlackAppOptions {
  token: string;
  signingSecret: string;
  /** Web API base (SLACK_API_URL); tests and the demo point it at a local stand-in. */
  slackApiUrl?: string | undefined;
  customRoutes: CustomRoute[];
  logger: Logger;
}

/** Bolt's logger interface over pino, so Bolt's own messages land in the same structured log. */
function boltLogger(logger: Logger): BoltLogger {
  const log = logger.child({ component: 'bolt' });
  return {
    debug: (...msg) => log.debug(msg.map(String).join(' ')),
    info: (...msg) => log.info(msg.map(String).join(' ')),
    warn: (...msg) => log.warn(msg.map(String).join(' ')),
    error: (...msg) => log.error(msg.map(String).join(' ')),
    setLevel: () => {},
    getLevel: () => LogLevel.INFO,
    setName: () => {},
  };
}

/**
 * The Bolt app on an HTTPReceiver: `/slack/events` verified with the signing secret, our routes as custom routes
 * on the same port. The receiver is not started by Bolt: `createEdgeServer` serves its request listener.
 */
export function createSlackApp(o: SlackAppOptions): { app: App; receiver: HTTPReceiver; identity: BotIdentity } {
  const logger = boltLogger(o.logger);
  const receiver = new HTTPReceiver({
    signingSecret: o.signingSecret,
    endpoints: '/slack/events',
    customRoutes: o.customRoutes,
    // Ack first, then work: listeners ack before anything slow.
    processBeforeResponse: false,
    // The signature rides along into the context so the replay guard can remember it.
    customPropertiesExtractor: (req) => ({ [SIGNATURE_PROPERTY]: req.headers['x-slack-signature'] }),
    logger,
  });
  const identity = new BotIdentity(createWebClient(o.token, o.slackApiUrl), o.token);
  const app = new App({
    // No token here: given one without the bot's id, Bolt calls auth.test before every request. `authorize` answers
    // from one auth.test made at start-up (BotIdentity) instead.
    authorize: identity.authorize,
    receiver,
    logger,
    clientOptions: {
      ...slackApiUrlOption(o.slackApiUrl),
      retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 2000 },
    },
  });
  app.error(async (err) => {
    o.logger.error({ err, code: (err as { code?: string }).code }, 'slack listener failed');
  });
  return { app, receiver, identity };
}
