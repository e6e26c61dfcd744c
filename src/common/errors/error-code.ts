import { HttpStatus } from '@nestjs/common';

/** Every error the API can answer with. A client can rely on these names; they never change meaning. */
export enum ErrorCode {
  VALIDATION_FAILED = 'VALIDATION_FAILED',
  MALFORMED_JSON = 'MALFORMED_JSON',
  INVALID_UTF8 = 'INVALID_UTF8',
  BAD_REQUEST = 'BAD_REQUEST',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  REQUEST_TIMEOUT = 'REQUEST_TIMEOUT',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  HEADERS_TOO_LARGE = 'HEADERS_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE = 'UNSUPPORTED_MEDIA_TYPE',
  RATE_LIMITED = 'RATE_LIMITED',
  /** The client went away; nobody reads this answer, but logs and metrics do. */
  ABORTED = 'ABORTED',
  INTERNAL_ERROR = 'INTERNAL_ERROR',
  /** The upstream refused the request (4xx): credentials, parameters, model. */
  UPSTREAM_REJECTED = 'UPSTREAM_REJECTED',
  /** The upstream failed, sent something unreadable, or its response or run did not complete. */
  UPSTREAM_FAILED = 'UPSTREAM_FAILED',
  /** No connection to the upstream could be made or kept. */
  UPSTREAM_UNREACHABLE = 'UPSTREAM_UNREACHABLE',
  /** The upstream no longer knows the conversation or thread (replaced transparently when possible). */
  THREAD_NOT_FOUND = 'THREAD_NOT_FOUND',
  /** The upstream throttled us (429) and retries did not help. */
  UPSTREAM_RATE_LIMITED = 'UPSTREAM_RATE_LIMITED',
  /** The upstream is overloaded or the conversation stayed busy. */
  UPSTREAM_UNAVAILABLE = 'UPSTREAM_UNAVAILABLE',
  /** One upstream attempt made no progress within OPENAI_TIMEOUT_MS. */
  UPSTREAM_TIMEOUT = 'UPSTREAM_TIMEOUT',
  /** A store could not persist a change; nothing was acknowledged. */
  STORAGE_WRITE_FAILED = 'STORAGE_WRITE_FAILED',
  /** A store or Redis the service needs cannot be reached. */
  STORE_UNAVAILABLE = 'STORE_UNAVAILABLE',
  /** The identity provider's keys (JWT_JWKS_URL) could not be fetched, so no token can be checked: not the caller's fault. */
  IDENTITY_PROVIDER_UNAVAILABLE = 'IDENTITY_PROVIDER_UNAVAILABLE',
  /** A background job stopped while the model was answering it (a crash or a shutdown); it is not asked again. Only in job results. */
  JOB_INTERRUPTED = 'JOB_INTERRUPTED',
}

/** Nginx's code for a request the client closed before the answer: never seen by that client. */
export const CLIENT_CLOSED_REQUEST = 499;

/** The status of every code; a new code without one does not compile. */
export const ERROR_STATUS: Readonly<Record<ErrorCode, number>> = {
  [ErrorCode.VALIDATION_FAILED]: HttpStatus.BAD_REQUEST,
  [ErrorCode.MALFORMED_JSON]: HttpStatus.BAD_REQUEST,
  [ErrorCode.INVALID_UTF8]: HttpStatus.BAD_REQUEST,
  [ErrorCode.BAD_REQUEST]: HttpStatus.BAD_REQUEST,
  [ErrorCode.UNAUTHENTICATED]: HttpStatus.UNAUTHORIZED,
  [ErrorCode.FORBIDDEN]: HttpStatus.FORBIDDEN,
  [ErrorCode.NOT_FOUND]: HttpStatus.NOT_FOUND,
  [ErrorCode.REQUEST_TIMEOUT]: HttpStatus.REQUEST_TIMEOUT,
  [ErrorCode.PAYLOAD_TOO_LARGE]: HttpStatus.PAYLOAD_TOO_LARGE,
  [ErrorCode.HEADERS_TOO_LARGE]: 431,
  [ErrorCode.UNSUPPORTED_MEDIA_TYPE]: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  [ErrorCode.RATE_LIMITED]: HttpStatus.TOO_MANY_REQUESTS,
  [ErrorCode.ABORTED]: CLIENT_CLOSED_REQUEST,
  [ErrorCode.INTERNAL_ERROR]: HttpStatus.INTERNAL_SERVER_ERROR,
  [ErrorCode.UPSTREAM_REJECTED]: HttpStatus.BAD_GATEWAY,
  [ErrorCode.UPSTREAM_FAILED]: HttpStatus.BAD_GATEWAY,
  [ErrorCode.UPSTREAM_UNREACHABLE]: HttpStatus.BAD_GATEWAY,
  [ErrorCode.THREAD_NOT_FOUND]: HttpStatus.BAD_GATEWAY,
  [ErrorCode.UPSTREAM_RATE_LIMITED]: HttpStatus.SERVICE_UNAVAILABLE,
  [ErrorCode.UPSTREAM_UNAVAILABLE]: HttpStatus.SERVICE_UNAVAILABLE,
  [ErrorCode.UPSTREAM_TIMEOUT]: HttpStatus.GATEWAY_TIMEOUT,
  [ErrorCode.STORAGE_WRITE_FAILED]: HttpStatus.SERVICE_UNAVAILABLE,
  [ErrorCode.STORE_UNAVAILABLE]: HttpStatus.SERVICE_UNAVAILABLE,
  [ErrorCode.IDENTITY_PROVIDER_UNAVAILABLE]: HttpStatus.SERVICE_UNAVAILABLE,
  [ErrorCode.JOB_INTERRUPTED]: HttpStatus.SERVICE_UNAVAILABLE,
};
