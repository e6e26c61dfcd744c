import { ErrorCode } from '../../common/errors/error-code';
import { ServiceError } from '../../common/errors/service.error';
import type { TurnReceipt } from '../assistant.port';

/** The codes an assistant adapter may fail with: the upstream's failures in the service's own terms. */
export const AssistantErrorCode = {
  UPSTREAM_TIMEOUT: ErrorCode.UPSTREAM_TIMEOUT,
  UPSTREAM_RATE_LIMITED: ErrorCode.UPSTREAM_RATE_LIMITED,
  UPSTREAM_UNAVAILABLE: ErrorCode.UPSTREAM_UNAVAILABLE,
  UPSTREAM_UNREACHABLE: ErrorCode.UPSTREAM_UNREACHABLE,
  UPSTREAM_REJECTED: ErrorCode.UPSTREAM_REJECTED,
  UPSTREAM_FAILED: ErrorCode.UPSTREAM_FAILED,
  THREAD_NOT_FOUND: ErrorCode.THREAD_NOT_FOUND,
  /** The caller gave up (the client went away); nobody is waiting for an answer. */
  ABORTED: ErrorCode.ABORTED,
} as const;
export type AssistantErrorCode = (typeof AssistantErrorCode)[keyof typeof AssistantErrorCode];

/** A failure of the assistant backend: no vendor types, no secrets. */
export class AssistantError extends ServiceError<AssistantErrorCode> {
  /** What the failed turn may have left in the conversation; the caller takes it back with `discardTurn`. */
  receipt: TurnReceipt | undefined;
}

/** `error` as an AssistantError that carries the failed turn's receipt. */
export function withReceipt(error: AssistantError, receipt: TurnReceipt): AssistantError {
  error.receipt = receipt;
  return error;
}

export function isAssistantError(error: unknown, code?: AssistantErrorCode): error is AssistantError {
  return error instanceof AssistantError && (code === undefined || error.code === code);
}

export function abortedError(): AssistantError {
  return new AssistantError(AssistantErrorCode.ABORTED, 'The request was cancelled');
}
