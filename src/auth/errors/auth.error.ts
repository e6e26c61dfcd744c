import { ErrorCode } from '../../common/errors/error-code';
import { ServiceError } from '../../common/errors/service.error';

/** RFC 6750 3.1 error codes; a request with no credentials at all gets none. */
export type BearerError = 'invalid_request' | 'invalid_token';

/** Texts that are safe in a quoted-string: no quote, no backslash, printable ASCII. */
const QUOTABLE = /^[\x20\x21\x23-\x5b\x5d-\x7e]+$/;

/**
 * A 401. `message` is one of the service's own fixed sentences, never anything
 * taken from the credential: it goes to the body and to `error_description`.
 */
export function unauthenticated(message: string, error?: BearerError): ServiceError<ErrorCode.UNAUTHENTICATED> {
  if (!QUOTABLE.test(message)) throw new Error(`not a quotable error description: ${message}`);
  const challenge = error === undefined ? 'Bearer' : `Bearer error="${error}", error_description="${message}"`;
  return new ServiceError(ErrorCode.UNAUTHENTICATED, message, { headers: { 'WWW-Authenticate': challenge } });
}

export function isUnauthenticated(error: unknown): boolean {
  return error instanceof ServiceError && error.code === ErrorCode.UNAUTHENTICATED;
}

/** The caller is known but names another user. No challenge: other credentials would not help. */
export function forbidden(message: string): ServiceError<ErrorCode.FORBIDDEN> {
  return new ServiceError(ErrorCode.FORBIDDEN, message);
}
