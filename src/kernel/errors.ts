/** Every error the bot raises on purpose carries a string code an operator can search for. */
export type AppErrorCode =
  | 'CONFIG_INVALID'
  | 'RUNBOOK_INVALID'
  | 'TARGET_UNREACHABLE'
  | 'PROBE_TIMEOUT'
  | 'TARGET_TIMEOUT'
  | 'TIMEOUT'
  | 'PROPOSAL_NOT_FOUND'
  | 'INCIDENT_NOT_FOUND'
  | 'SLACK_API_FAILED'
  /** Slack refused the call for a reason no retry fixes (invalid_auth, channel_not_found, …). */
  | 'SLACK_API_REFUSED'
  /** The bot's state Redis cannot take a command now (down, reconnecting, not answering). */
  | 'STATE_UNAVAILABLE'
  | 'LOCK_BUSY'
  | 'BODY_TOO_LARGE';

export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: AppErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }
}

export function isAppError(err: unknown, code?: AppErrorCode): err is AppError {
  return err instanceof AppError && (code === undefined || err.code === code);
}

/**
 * The message of anything caught. A thrown non-Error (a string, a rejected plain object) still yields text, so a
 * log line or a Slack reply never reads "undefined".
 */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err !== null && 'message' in err && typeof err.message === 'string') {
    return err.message;
  }
  return String(err);
}
