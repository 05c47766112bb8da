import type { RequestListener } from 'node:http';
import { App, type Logger as BoltLogger, HTTPReceiver, LogLevel, SocketModeReceiver } from '@slack/bolt';
import { AppError, errorMessage } from '../../kernel/errors.js';
import type { Logger } from '../../kernel/logger.js';
import { withTimeout } from '../../kernel/timeout.js';
import { BotIdentity } from './bot-identity.js';
import { ENVELOPE_PROPERTY, SIGNATURE_PROPERTY } from './replay-guard.js';
import { slackApiUrlOption } from './slack-api-url.js';
import { createWebClient, PERMANENT_SLACK_ERRORS } from './slack-notifier.js';
import { type SocketAnswered, SocketSession } from './socket-session.js';

export interface SlackAppOptions {
  token: string;
  /** HTTP mode: verifies requests on `/slack/events`. */
  signingSecret?: string | undefined;
  /** Socket Mode when set (SLACK_APP_TOKEN, xapp-…): Slack's requests arrive on a WebSocket the bot opens. */
  appToken?: string | undefined;
  /** Web API base (SLACK_API_URL); tests and the demo point it at a local stand-in. */
  slackApiUrl?: string | undefined;
  /** Socket Mode: hears each envelope's ack latency (over HTTP the edge server measures it). */
  onSocketAnswered?: SocketAnswered | undefined;
  logger: Logger;
}

/** The Slack side of the bot: Bolt's app on one receiver, whichever way Slack reaches it. */
export interface SlackTransport {
  app: App;
  mode: 'http' | 'socket';
  /** HTTP mode: Bolt's handler for `POST /slack/events` (the edge server hands it those requests). */
  requestListener: RequestListener | undefined;
  /** The one `auth.test` (every request is authorized from it); in Socket Mode then the socket, open on `hello`. */
  start(): Promise<void>;
  /** Socket Mode: closes the socket (nothing more arrives). */
  stop(): Promise<void>;
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
 * The one auth.test (requests are then authorized from its answer). A token Slack refuses stops start-up with a
 * message naming it; Slack out of reach does not (alerts still come in), and the first Slack request asks again.
 */
async function lookUpBot(identity: BotIdentity, logger: Logger): Promise<void> {
  try {
    logger.info(await identity.resolve(), 'slack bot identified');
  } catch (err) {
    if (err instanceof AppError && err.code === 'SLACK_API_REFUSED') throw err;
    logger.warn(
      { err: errorMessage(err) },
      'slack auth.test failed at start-up; the first slack request will retry it',
    );
  }
}

/** Opens the socket; a token Slack refuses (`apps.connections.open`) stops start-up naming SLACK_APP_TOKEN. */
async function openSocket(session: SocketSession, logger: Logger): Promise<void> {
  try {
    await session.start();
  } catch (err) {
    const code = (err as { data?: { error?: unknown } }).data?.error;
    if (typeof code === 'string' && PERMANENT_SLACK_ERRORS.has(code)) {
      throw new AppError(
        'SLACK_API_REFUSED',
        `SLACK_APP_TOKEN: Slack refused it (${code}); create an app-level token with the connections:write scope (Basic Information → App-Level Tokens) and turn Socket Mode on`,
        { slackError: code },
      );
    }
    throw new AppError('SLACK_API_FAILED', `Socket Mode: could not connect to Slack: ${errorMessage(err)}`);
  }
  logger.info('slack socket mode connected');
}

/**
 * The Bolt app on its receiver. HTTP mode (no app token): an HTTPReceiver verifying `/slack/events` with the
 * signing secret, not started by Bolt: the edge server hands it those requests (our routes stay on the edge).
 * Socket Mode: a SocketModeReceiver, with no HTTP server of its own; the edge server serves our routes alone.
 * Either way the same listeners run: the replay guard keys a request by its signature (HTTP) or envelope id
 * (Socket Mode), and an event by its `event_id` in both.
 */
export function createSlackApp(o: SlackAppOptions): SlackTransport {
  const logger = boltLogger(o.logger);
  const identity = new BotIdentity(createWebClient(o.token, o.slackApiUrl), o.token);
  const socket = o.appToken
    ? new SocketModeReceiver({
        appToken: o.appToken,
        logger,
        // SocketSession reconnects at once instead of the client's 5 s wait (see there).
        autoReconnectEnabled: false,
        installerOptions: {
          // apps.connections.open goes to the same Web API as everything else, retried briefly; SocketSession keeps
          // trying beyond that. A fresh object: the client mutates it.
          clientOptions: {
            ...slackApiUrlOption(o.slackApiUrl),
            retryConfig: { retries: 4, factor: 2, minTimeout: 500, maxTimeout: 4000 },
          },
        },
        customPropertiesExtractor: (args: { envelope_id?: unknown }) => ({ [ENVELOPE_PROPERTY]: args.envelope_id }),
      })
    : undefined;
  const http = socket
    ? undefined
    : new HTTPReceiver({
        signingSecret: o.signingSecret ?? '',
        endpoints: '/slack/events',
        // Ack first, then work: listeners ack before anything slow.
        processBeforeResponse: false,
        // The signature rides along into the context so the replay guard can remember it.
        customPropertiesExtractor: (req) => ({ [SIGNATURE_PROPERTY]: req.headers['x-slack-signature'] }),
        logger,
      });
  const session =
    socket &&
    new SocketSession(socket.client, o.logger.child({ component: 'socket-mode' }), { onAnswered: o.onSocketAnswered });
  const app = new App({
    // No token here: given one without the bot's id, Bolt calls auth.test before every request. `authorize` answers
    // from one auth.test made at start-up (BotIdentity) instead.
    authorize: identity.authorize,
    receiver: socket ?? (http as HTTPReceiver),
    logger,
    clientOptions: {
      ...slackApiUrlOption(o.slackApiUrl),
      retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 2000 },
    },
  });
  app.error(async (err) => {
    o.logger.error({ err, code: (err as { code?: string }).code }, 'slack listener failed');
  });
  return {
    app,
    mode: socket ? 'socket' : 'http',
    requestListener: http?.requestListener,
    async start() {
      await lookUpBot(identity, o.logger);
      if (session) await openSocket(session, o.logger);
    },
    async stop() {
      // Bounded: the client waits for Slack's half of the close handshake, which a dying network never sends.
      if (session) await withTimeout(session.stop(), 5000, 'socket mode disconnect').catch(() => {});
    },
  };
}
