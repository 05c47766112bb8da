/** Every error the bot raises on purpose carries a string code an operator can search for. */
export type AppErrorCode =
  | 'CONFIG_INVALID'
  | 'RUNBOOK_INVALID'
  | 'TARGET_UNKNOWN'
  | 'TARGET_UNREACHABLE'
  | 'PROBE_FAILED'
  | 'PROBE_TIMEOUT'
  | 'TARGET_TIMEOUT'
  | 'ACTION_PRECONDITION_FAILED'
  | 'ACTION_NOT_ALLOWED'
  | 'PROPOSAL_NOT_FOUND'
  | 'INCIDENT_NOT_FOUND'
  | 'SLACK_API_FAILED'
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
