import { STATUS_CODES } from 'node:http';
import { HttpException } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import type { ErrorBody } from './error-body.dto';
import { CLIENT_CLOSED_REQUEST, ERROR_STATUS, ErrorCode } from './error-code';
import { ServiceError } from './service.error';

/** Past this many validation messages the rest are summed up: a body with thousands of unknown keys must not echo them all. */
export const MAX_ERROR_MESSAGES = 20;

export interface RenderedError {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
  /** A failure of ours: it belongs in the error log with its stack. */
  unexpected: boolean;
}

/** Nest's own HTTP exceptions (the router's 404, the validation pipe's 400) by status. */
const HTTP_EXCEPTION_CODES: Readonly<Partial<Record<number, ErrorCode>>> = {
  400: ErrorCode.BAD_REQUEST,
  401: ErrorCode.UNAUTHENTICATED,
  403: ErrorCode.FORBIDDEN,
  404: ErrorCode.NOT_FOUND,
  408: ErrorCode.REQUEST_TIMEOUT,
  413: ErrorCode.PAYLOAD_TOO_LARGE,
  415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
  429: ErrorCode.RATE_LIMITED,
};

/** Express's body parser raises http-errors with a `type`; these are the ones a client can cause. */
const BODY_PARSER_ERRORS: Readonly<Record<string, [ErrorCode, string]>> = {
  'entity.too.large': [ErrorCode.PAYLOAD_TOO_LARGE, 'The request body is larger than 64 KiB'],
  'entity.parse.failed': [ErrorCode.MALFORMED_JSON, 'The request body is not valid JSON'],
  'entity.verify.failed': [ErrorCode.INVALID_UTF8, 'The request body is not valid UTF-8'],
  'charset.unsupported': [ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'The request body must be JSON in UTF-8'],
  'encoding.unsupported': [ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'The request body must not be compressed'],
  'request.size.invalid': [ErrorCode.BAD_REQUEST, 'The request body is shorter or longer than its Content-Length'],
  'request.aborted': [ErrorCode.ABORTED, 'The client closed the request before its body arrived'],
};

/** Any thrown value as the API's error response: no stacks, no upstream text, no secrets. */
export function renderError(error: unknown, requestId: string): RenderedError {
  if (error instanceof ServiceError) {
    const headers: Record<string, string> = { ...error.details.headers };
    if (error.details.retryAfterSeconds !== undefined) headers['Retry-After'] = String(error.details.retryAfterSeconds);
    return render(error.code, error.messages, requestId, headers);
  }
  // The guard has set Retry-After and the rate-limit headers on the response already.
  if (error instanceof ThrottlerException) return render(ErrorCode.RATE_LIMITED, 'Too many requests; see Retry-After', requestId);
  if (error instanceof HttpException) return fromHttpException(error, requestId);
  const parserError = fromBodyParser(error, requestId);
  if (parserError !== undefined) return parserError;
  return { ...render(ErrorCode.INTERNAL_ERROR, 'Internal server error', requestId), unexpected: true };
}

function fromHttpException(error: HttpException, requestId: string): RenderedError {
  const status = error.getStatus();
  const code = HTTP_EXCEPTION_CODES[status];
  if (code === undefined) return { ...render(ErrorCode.INTERNAL_ERROR, 'Internal server error', requestId), unexpected: true };
  const payload = error.getResponse();
  const message =
    typeof payload === 'object' && payload !== null && 'message' in payload ? (payload as { message: string | string[] }).message : error.message;
  // The validation pipe reports a list of problems; that is what VALIDATION_FAILED means to a client.
  return render(code === ErrorCode.BAD_REQUEST && Array.isArray(message) ? ErrorCode.VALIDATION_FAILED : code, message, requestId);
}

function fromBodyParser(error: unknown, requestId: string): RenderedError | undefined {
  const type = (error as { type?: unknown })?.type;
  if (typeof type !== 'string' || !Object.hasOwn(BODY_PARSER_ERRORS, type)) return undefined;
  const [code, message] = BODY_PARSER_ERRORS[type];
  return render(code, message, requestId);
}

function render(code: ErrorCode, message: string | readonly string[], requestId: string, headers: Record<string, string> = {}): RenderedError {
  const status = ERROR_STATUS[code];
  const body: ErrorBody = { statusCode: status, error: reasonPhrase(status), message: capped(message), code, requestId };
  return { status, body, headers, unexpected: false };
}

function capped(message: string | readonly string[]): string | string[] {
  if (typeof message === 'string') return message;
  if (message.length <= MAX_ERROR_MESSAGES) return [...message];
  return [...message.slice(0, MAX_ERROR_MESSAGES), `and ${message.length - MAX_ERROR_MESSAGES} more`];
}

function reasonPhrase(status: number): string {
  return status === CLIENT_CLOSED_REQUEST ? 'Client Closed Request' : (STATUS_CODES[status] ?? 'Error');
}
