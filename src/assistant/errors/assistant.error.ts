export enum AssistantErrorCode {
  /** The upstream did not answer within the configured timeout. */
  UPSTREAM_TIMEOUT = 'UPSTREAM_TIMEOUT',
  /** The upstream throttled us (429) and retries did not help. */
  UPSTREAM_RATE_LIMITED = 'UPSTREAM_RATE_LIMITED',
  /** The upstream is overloaded or the conversation stayed busy. */
  UPSTREAM_UNAVAILABLE = 'UPSTREAM_UNAVAILABLE',
  /** No connection to the upstream could be made or kept. */
  UPSTREAM_UNREACHABLE = 'UPSTREAM_UNREACHABLE',
  /** The upstream refused the request (4xx): credentials, parameters, model. */
  UPSTREAM_REJECTED = 'UPSTREAM_REJECTED',
  /** The upstream failed, sent something unreadable, or its response or run did not complete. */
  UPSTREAM_FAILED = 'UPSTREAM_FAILED',
  /** The upstream no longer knows the conversation or thread. */
  THREAD_NOT_FOUND = 'THREAD_NOT_FOUND',
  /** The caller gave up (the client went away); nobody is waiting for an answer. */
  ABORTED = 'ABORTED',
}

/** A failure of the assistant backend, in the service's own terms: no vendor types, no secrets. */
export class AssistantError extends Error {
  constructor(
    readonly code: AssistantErrorCode,
    /** Safe to show to clients. */
    message: string,
    readonly details: { retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: details.cause });
    this.name = 'AssistantError';
  }
}

export function isAssistantError(error: unknown, code?: AssistantErrorCode): error is AssistantError {
  return error instanceof AssistantError && (code === undefined || error.code === code);
}
