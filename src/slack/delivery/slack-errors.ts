/** What a failed Web API call means for the effect that made it. */
export type CallFailure =
  /** 429: wait `retryAfterMs`, for this method on this channel only. */
  | { kind: 'rate_limited'; retryAfterMs: number; code: string }
  /** 5xx, network, timeout, Slack-side trouble: retry with backoff. `uncertain`: the call may have taken effect. */
  | { kind: 'retry'; uncertain: boolean; code: string }
  /** Retrying cannot help (auth, channel, payload): dead-letter now. */
  | { kind: 'permanent'; code: string };

// Slack error codes that say "try again later", not "this request is wrong". Anything else with ok:false is
// permanent: retrying a request Slack refused on its merits only repeats the refusal.
const TRANSIENT_CODES = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'team_added_to_org',
  'ratelimited',
  'rate_limited',
]);

// Connection never established: the request cannot have reached Slack.
const NOT_SENT_CAUSES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

interface SlackLikeError {
  code?: unknown;
  data?: { error?: unknown; response_metadata?: { retryAfter?: unknown } };
  retryAfter?: unknown;
  statusCode?: unknown;
  original?: unknown;
}

function causeCode(err: unknown, depth = 0): string | undefined {
  if (depth > 4 || typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; cause?: unknown; original?: unknown };
  if (typeof e.code === 'string' && NOT_SENT_CAUSES.has(e.code)) return e.code;
  return causeCode(e.cause, depth + 1) ?? causeCode(e.original, depth + 1);
}

/**
 * Classifies an error thrown by `@slack/web-api` (a client built by `createDeliveryClient`: no retries of its own,
 * rate-limited calls rejected rather than queued).
 */
export function classifySlackError(err: unknown): CallFailure {
  const e = (typeof err === 'object' && err !== null ? err : {}) as SlackLikeError;
  switch (e.code) {
    case 'slack_webapi_rate_limited_error': {
      const sec = Number(e.retryAfter);
      return { kind: 'rate_limited', retryAfterMs: Number.isFinite(sec) && sec > 0 ? sec * 1000 : 1000, code: '429' };
    }
    case 'slack_webapi_platform_error': {
      const code = typeof e.data?.error === 'string' ? e.data.error : 'unknown_error';
      if (code === 'ratelimited' || code === 'rate_limited') {
        const sec = Number(e.data?.response_metadata?.retryAfter);
        return { kind: 'rate_limited', retryAfterMs: Number.isFinite(sec) && sec > 0 ? sec * 1000 : 1000, code };
      }
      return TRANSIENT_CODES.has(code) ? { kind: 'retry', uncertain: true, code } : { kind: 'permanent', code };
    }
    case 'slack_webapi_http_error': {
      const status = Number(e.statusCode);
      if (status >= 500) return { kind: 'retry', uncertain: true, code: `http_${status}` };
      // 408/425 are "too early / too slow"; other 4xx mean the URL or request is wrong.
      if (status === 408 || status === 425) return { kind: 'retry', uncertain: true, code: `http_${status}` };
      return { kind: 'permanent', code: `http_${status}` };
    }
    case 'slack_webapi_request_error': {
      const cause = causeCode(e.original);
      return cause
        ? { kind: 'retry', uncertain: false, code: cause.toLowerCase() }
        : { kind: 'retry', uncertain: true, code: 'request_error' };
    }
    default:
      return { kind: 'retry', uncertain: true, code: 'unexpected_error' };
  }
}
