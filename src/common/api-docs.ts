import { applyDecorators, type HttpStatus } from '@nestjs/common';
import { ApiResponse, type ApiResponseOptions } from '@nestjs/swagger';
import { ErrorBody } from './errors/error-body.dto';

type Headers = NonNullable<ApiResponseOptions['headers']>;

/** Sent with every response; the same id is in the server's log lines for the request. */
export const REQUEST_ID_HEADER: Headers = {
  'X-Request-Id': { description: 'The id of this request: the sane `X-Request-Id` it came with, or a new UUID.', schema: { type: 'string' } },
};

export const RETRY_AFTER_HEADER: Headers = {
  'Retry-After': { description: 'Seconds to wait before trying again.', schema: { type: 'integer' } },
};

/** What the rate limiter says on every chat route's answer. */
export const RATE_LIMIT_HEADERS: Headers = {
  'X-RateLimit-Limit': { description: 'Requests allowed per window.', schema: { type: 'integer' } },
  'X-RateLimit-Remaining': { description: 'Requests left in this window.', schema: { type: 'integer' } },
  'X-RateLimit-Reset': { description: 'Seconds until the window starts again.', schema: { type: 'integer' } },
};

/** Error responses of a route, each with the one error body (JSON, also on the stream route: its errors come before the stream). */
export function ApiErrors(...errors: Array<[status: HttpStatus | number, description: string, headers?: Headers]>): MethodDecorator {
  return applyDecorators(
    ...errors.map(([status, description, headers]) =>
      ApiResponse({
        status,
        description,
        headers: { ...REQUEST_ID_HEADER, ...headers },
        type: ErrorBody,
      }),
    ),
  );
}
