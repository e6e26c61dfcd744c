import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  AuthenticationError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
} from 'openai';
import { AssistantError, AssistantErrorCode } from '../errors/assistant.error';
import { retryAfterMs } from './retry-after';

/**
 * Turns whatever the SDK threw into an AssistantError whose message is safe for
 * clients: the upstream's own error text is never passed on (it can quote
 * credentials); at most its machine-readable error code is.
 */
export function translateOpenAiError(error: unknown, action: string): AssistantError {
  if (error instanceof AssistantError) return error;
  const fail = (code: AssistantErrorCode, message: string, retryAfterSeconds?: number): AssistantError =>
    new AssistantError(code, message, { cause: error, retryAfterSeconds });

  if (error instanceof APIUserAbortError) return fail(AssistantErrorCode.ABORTED, `${action} was cancelled`);
  if (error instanceof APIConnectionTimeoutError) {
    return fail(AssistantErrorCode.UPSTREAM_TIMEOUT, `The assistant did not answer in time (${action})`);
  }
  if (error instanceof APIConnectionError) {
    return fail(AssistantErrorCode.UPSTREAM_UNREACHABLE, `The assistant could not be reached (${action})`);
  }
  if (!(error instanceof APIError)) {
    return fail(AssistantErrorCode.UPSTREAM_FAILED, `The assistant sent a response that could not be read (${action})`);
  }

  const suffix = isSafeCode(error.code) ? ` (${error.code})` : '';
  if (error instanceof RateLimitError) {
    return fail(
      AssistantErrorCode.UPSTREAM_RATE_LIMITED,
      `The assistant is over its rate limit; try again later${suffix}`,
      retryAfterSeconds(error.headers),
    );
  }
  if (error instanceof AuthenticationError || error instanceof PermissionDeniedError) {
    return fail(AssistantErrorCode.UPSTREAM_REJECTED, `The assistant rejected this service's credentials${suffix}`);
  }
  if (error instanceof NotFoundError) {
    return fail(AssistantErrorCode.UPSTREAM_REJECTED, `The assistant does not know a resource needed to ${action}${suffix}`);
  }
  const status = error.status ?? 0;
  if (status === 408) return fail(AssistantErrorCode.UPSTREAM_TIMEOUT, `The assistant timed out (${action})`);
  if (status === 503) {
    return fail(
      AssistantErrorCode.UPSTREAM_UNAVAILABLE,
      `The assistant is overloaded; try again later${suffix}`,
      retryAfterSeconds(error.headers),
    );
  }
  if (status >= 400 && status < 500) {
    return fail(AssistantErrorCode.UPSTREAM_REJECTED, `The assistant rejected the request to ${action}${suffix}`);
  }
  return fail(AssistantErrorCode.UPSTREAM_FAILED, `The assistant failed to ${action} (status ${status})${suffix}`);
}

export function isNotFound(error: unknown): boolean {
  return error instanceof NotFoundError;
}

/** Upstream error codes are short identifiers; anything else is not echoed. */
function isSafeCode(code: string | null | undefined): code is string {
  return typeof code === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(code);
}

/** An upstream error code fit to show a client, or `fallback`. */
export function safeCode(code: string | null | undefined, fallback = 'error'): string {
  return isSafeCode(code) ? code : fallback;
}

function retryAfterSeconds(headers: Headers | undefined): number | undefined {
  const milliseconds = retryAfterMs(headers);
  return milliseconds === undefined ? undefined : Math.ceil(milliseconds / 1000);
}
