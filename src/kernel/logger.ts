import { type Logger, pino } from 'pino';

export type { Logger };

/** Paths pino blanks out wherever they appear in a log object: tokens, passwords, Redis URLs with credentials. */
export const REDACT_PATHS = [
  'token',
  'password',
  'authorization',
  'headers.authorization',
  '*.token',
  '*.password',
  '*.authorization',
  'slackBotToken',
  'slackSigningSecret',
  'slackAppToken',
  'alertmanagerToken',
  'env.SLACK_BOT_TOKEN',
  'env.SLACK_SIGNING_SECRET',
  'env.SLACK_APP_TOKEN',
  'env.ALERTMANAGER_TOKEN',
];

/** Builds the process logger. `destination` lets tests and the demo capture or silence output. */
export function createLogger(level = 'info', destination?: pino.DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'redis-incident-bot' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
