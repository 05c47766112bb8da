import { LogLevel, type WebClient } from '@slack/web-api';
import { MeteredWebClient, type SlackCallObserver } from './metered-web-client.js';

/**
 * The Web API client the deliverer calls Slack with. Its own retries are off and rate-limited calls are rejected
 * (`rejectRateLimitedCalls`): the default client pauses its whole request queue for a 429's `Retry-After`, so one
 * rate-limited channel would stall every other message of the bot. The outbox retries, paces and honours
 * `Retry-After` per method and channel instead. `timeoutMs` must stay well inside the deliverer's lease;
 * `observe` hears every call (`rib_slack_api_calls_total`).
 */
export function createDeliveryClient(
  token: string,
  opts: { slackApiUrl?: string; timeoutMs?: number; observe?: SlackCallObserver } = {},
): WebClient {
  const url = opts.slackApiUrl;
  return new MeteredWebClient(
    token,
    {
      ...(url ? { slackApiUrl: url.endsWith('/') ? url : `${url}/` } : {}),
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: opts.timeoutMs ?? 10_000,
      // Failures are classified and logged by the deliverer; the client's own warnings would double them.
      logLevel: LogLevel.ERROR,
    },
    opts.observe,
  );
}
