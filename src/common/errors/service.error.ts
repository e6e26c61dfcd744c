import type { ErrorCode } from './error-code';

export interface ServiceErrorDetails {
  /** Sent as Retry-After when the caller should come back later. */
  retryAfterSeconds?: number;
  /** Extra response headers, such as WWW-Authenticate. */
  headers?: Readonly<Record<string, string>>;
  cause?: unknown;
}

/**
 * A failure in the service's own terms: a code from the one vocabulary and a
 * message that is safe to show a client. Services and adapters throw these;
 * only the error renderer turns them into HTTP.
 */
export class ServiceError<C extends ErrorCode = ErrorCode> extends Error {
  constructor(
    readonly code: C,
    /** Safe to show to clients: no upstream text, no secrets. A list for validation problems. */
    readonly messages: string | readonly string[],
    readonly details: ServiceErrorDetails = {},
  ) {
    super(typeof messages === 'string' ? messages : messages.join('; '), { cause: details.cause });
    this.name = new.target.name;
  }
}
