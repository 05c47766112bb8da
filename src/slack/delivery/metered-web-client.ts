import { ErrorCode, type WebAPICallResult, WebClient, WebClientEvent, type WebClientOptions } from '@slack/web-api';
import type { SlackCallResult } from '../../kernel/metrics.js';

/** Hears every Slack Web API call's method, outcome and duration (kernel's `Metrics.slackCall` fits). */
export type SlackCallObserver = (method: string, result: SlackCallResult, seconds: number) => void;

/** What a Web API failure was, in the few words `rib_slack_api_calls_total{result}` uses. */
export function slackCallResult(err: unknown): SlackCallResult {
  const e = err as { code?: unknown; statusCode?: unknown; data?: { error?: unknown } };
  switch (e?.code) {
    case ErrorCode.RateLimitedError:
      return 'rate_limited';
    case ErrorCode.PlatformError:
      return e.data?.error === 'ratelimited' || e.data?.error === 'rate_limited' ? 'rate_limited' : 'refused';
    case ErrorCode.HTTPError:
      return e.statusCode === 429 ? 'rate_limited' : 'http_error';
    case ErrorCode.RequestError:
      return 'network_error';
    default:
      return 'error';
  }
}

/**
 * A WebClient that reports each call to `observe`: every method the bot calls goes through `apiCall`, so one
 * override meters them all (chat.postMessage, chat.update, files.*, …). A client that waits out a 429 by itself
 * (the default) reports each wait as a `rate_limited` call of that method too; one built with
 * `rejectRateLimitedCalls` reports the rejected call once.
 */
export class MeteredWebClient extends WebClient {
  private readonly observe: SlackCallObserver | undefined;

  constructor(token: string | undefined, options: WebClientOptions, observe?: SlackCallObserver) {
    super(token, options);
    this.observe = observe;
    if (observe && !options.rejectRateLimitedCalls) {
      this.on(WebClientEvent.RATE_LIMITED, (_retrySeconds: number, meta: { url?: string } = {}) => {
        observe(
          String(meta.url ?? '')
            .split('/')
            .pop() || 'unknown',
          'rate_limited',
          0,
        );
      });
    }
  }

  override async apiCall(method: string, options?: Record<string, unknown>): Promise<WebAPICallResult> {
    const observe = this.observe;
    if (!observe) return super.apiCall(method, options);
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const result = await super.apiCall(method, options);
      observe(method, 'ok', seconds());
      return result;
    } catch (err) {
      observe(method, slackCallResult(err), seconds());
      throw err;
    }
  }
}
