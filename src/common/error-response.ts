import { STATUS_CODES } from 'node:http';
import { HttpException, HttpStatus } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { AssistantError, AssistantErrorCode } from '../assistant/errors/assistant.error';
import { StorageError, StorageErrorCode } from '../persistence/errors/storage.error';

/** The single error shape of the API (the contract's, plus `code` and `requestId`). */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
  code: string;
  requestId?: string;
}

export interface ErrorResponse {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
  /** True for failures of ours that belong in the error log with their stack. */
  unexpected: boolean;
}

const CLIENT_CLOSED_REQUEST = 499;

/** Every assistant failure has a status; a new code without one does not compile. */
const ASSISTANT_STATUS: Record<AssistantErrorCode, number> = {
  [AssistantErrorCode.UPSTREAM_TIMEOUT]: HttpStatus.GATEWAY_TIMEOUT,
  [AssistantErrorCode.UPSTREAM_RATE_LIMITED]: HttpStatus.SERVICE_UNAVAILABLE,
  [AssistantErrorCode.UPSTREAM_UNAVAILABLE]: HttpStatus.SERVICE_UNAVAILABLE,
  [AssistantErrorCode.UPSTREAM_UNREACHABLE]: HttpStatus.BAD_GATEWAY,
  [AssistantErrorCode.UPSTREAM_REJECTED]: HttpStatus.BAD_GATEWAY,
  [AssistantErrorCode.UPSTREAM_FAILED]: HttpStatus.BAD_GATEWAY,
  [AssistantErrorCode.THREAD_NOT_FOUND]: HttpStatus.BAD_GATEWAY,
  [AssistantErrorCode.ABORTED]: CLIENT_CLOSED_REQUEST,
};

const STORAGE_STATUS: Record<StorageErrorCode, number> = {
  [StorageErrorCode.WRITE_FAILED]: HttpStatus.SERVICE_UNAVAILABLE,
};

/** Codes for the HTTP-level failures that Nest and the body parser raise. */
const HTTP_CODES: Partial<Record<number, string>> = {
  400: 'BAD_REQUEST',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

/** Renders any thrown value as the API's error response, without stacks or upstream secrets. */
export function toErrorResponse(error: unknown): ErrorResponse {
  if (error instanceof AssistantError) {
    const headers: Record<string, string> =
      error.details.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(error.details.retryAfterSeconds) };
    return respond(ASSISTANT_STATUS[error.code], error.code, error.message, headers);
  }
  if (error instanceof StorageError) return respond(STORAGE_STATUS[error.code], error.code, error.message);
  if (error instanceof ThrottlerException) {
    return respond(HttpStatus.TOO_MANY_REQUESTS, 'RATE_LIMITED', 'Too many requests from this address; see Retry-After');
  }
  if (error instanceof HttpException) return fromHttpException(error);
  const parserError = asBodyParserError(error);
  if (parserError !== undefined) return parserError;
  return {
    ...respond(HttpStatus.INTERNAL_SERVER_ERROR, 'INTERNAL_ERROR', 'Internal server error'),
    unexpected: true,
  };
}

function fromHttpException(error: HttpException): ErrorResponse {
  const status = error.getStatus();
  const payload = error.getResponse();
  const message =
    typeof payload === 'object' && payload !== null && 'message' in payload
      ? (payload as { message: string | string[] }).message
      : error.message;
  const code = status === 400 && Array.isArray(message) ? 'VALIDATION_FAILED' : (HTTP_CODES[status] ?? `HTTP_${status}`);
  return { ...respond(status, code, message), unexpected: status >= 500 };
}

/** Errors of Express's body parser (http-errors with a `type`), raised before Nest routes the request. */
function asBodyParserError(error: unknown): ErrorResponse | undefined {
  const candidate = error as { status?: unknown; type?: unknown; message?: unknown };
  if (typeof candidate?.status !== 'number' || typeof candidate.type !== 'string') return undefined;
  switch (candidate.type) {
    case 'entity.too.large':
      return respond(HttpStatus.PAYLOAD_TOO_LARGE, 'PAYLOAD_TOO_LARGE', 'The request body is larger than 64 KiB');
    case 'entity.parse.failed':
      return respond(HttpStatus.BAD_REQUEST, 'MALFORMED_JSON', 'The request body is not valid JSON');
    // The service's own body checks (json-body.middleware) say what is wrong in their message.
    case 'content-type.unsupported':
      return respond(HttpStatus.BAD_REQUEST, 'UNSUPPORTED_CONTENT_TYPE', String(candidate.message));
    case 'encoding.invalid':
      return respond(HttpStatus.BAD_REQUEST, 'INVALID_UTF8', String(candidate.message));
    case 'body.shape.invalid':
      return respond(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', [String(candidate.message)]);
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return respond(HttpStatus.BAD_REQUEST, 'UNSUPPORTED_ENCODING', 'The request body must be JSON in UTF-8');
    default:
      return candidate.status >= 400 && candidate.status < 500
        ? respond(candidate.status, HTTP_CODES[candidate.status] ?? 'BAD_REQUEST', 'The request body could not be read')
        : undefined;
  }
}

function respond(status: number, code: string, message: string | string[], headers: Record<string, string> = {}): ErrorResponse {
  return { status, body: { statusCode: status, error: reasonPhrase(status), message, code }, headers, unexpected: false };
}

function reasonPhrase(status: number): string {
  return status === CLIENT_CLOSED_REQUEST ? 'Client Closed Request' : (STATUS_CODES[status] ?? 'Error');
}
