import { BadRequestException, HttpException, NotFoundException, ValidationPipe } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { IsString } from 'class-validator';
import { AssistantError, AssistantErrorCode } from '../../assistant/errors/assistant.error';
import { StorageError, StorageErrorCode } from '../../persistence/errors/storage.error';
import { ERROR_STATUS, ErrorCode } from './error-code';
import { MAX_ERROR_MESSAGES, renderError } from './error-renderer';
import { ServiceError } from './service.error';

class Body {
  @IsString()
  message!: string;
}

/** What the real validation pipe throws for `value`. */
async function validationFailure(value: object): Promise<unknown> {
  return new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true }).transform(value, { type: 'body', metatype: Body }).catch((error: unknown) => error);
}

describe('renderError', () => {
  it.each(Object.values(ErrorCode))('renders %s with its status, reason phrase, message and the request id', (code) => {
    const { status, body, unexpected } = renderError(new ServiceError(code, 'what happened'), 'req-1');
    expect(status).toBe(ERROR_STATUS[code]);
    expect(body).toEqual({ statusCode: status, error: expect.stringMatching(/^[A-Z]/), message: 'what happened', code, requestId: 'req-1' });
    expect(unexpected).toBe(false);
  });

  it('names the reason phrases clients know, including 499 for a client that went away', () => {
    expect(renderError(new ServiceError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'x'), 'r').body.error).toBe('Unsupported Media Type');
    expect(renderError(new ServiceError(ErrorCode.ABORTED, 'x'), 'r')).toMatchObject({ status: 499, body: { error: 'Client Closed Request' } });
  });

  it('sends Retry-After and any extra headers a service error asks for', () => {
    const throttled = new AssistantError(AssistantErrorCode.UPSTREAM_RATE_LIMITED, 'slow down', { retryAfterSeconds: 7 });
    expect(renderError(throttled, 'r').headers).toEqual({ 'Retry-After': '7' });
    const denied = new ServiceError(ErrorCode.UNAUTHENTICATED, 'no', { headers: { 'WWW-Authenticate': 'Bearer' } });
    expect(renderError(denied, 'r')).toMatchObject({ status: 401, headers: { 'WWW-Authenticate': 'Bearer' } });
  });

  it('gives a storage failure 503 with Retry-After', () => {
    expect(renderError(new StorageError(StorageErrorCode.WRITE_FAILED, 'disk'), 'r')).toMatchObject({
      status: 503,
      body: { code: 'STORAGE_WRITE_FAILED' },
      headers: { 'Retry-After': '5' },
    });
  });

  it('renders the validation pipe’s problems as a VALIDATION_FAILED list', async () => {
    const { status, body } = renderError(await validationFailure({ message: 1, extra: true }), 'r');
    expect(status).toBe(400);
    expect(body).toMatchObject({ code: 'VALIDATION_FAILED', message: ['property extra should not exist', 'message must be a string'] });
  });

  it(`lists at most ${MAX_ERROR_MESSAGES} messages, then how many more`, () => {
    const messages = Array.from({ length: 25 }, (_, n) => `problem ${n}`);
    const { body } = renderError(new ServiceError(ErrorCode.VALIDATION_FAILED, messages), 'r');
    expect(body.message).toEqual([...messages.slice(0, 20), 'and 5 more']);
    expect(renderError(new ServiceError(ErrorCode.VALIDATION_FAILED, messages.slice(0, 20)), 'r').body.message).toHaveLength(20);
  });

  it('maps Nest’s own HTTP exceptions by status', () => {
    expect(renderError(new NotFoundException('Cannot GET /api/nope'), 'r').body).toMatchObject({ statusCode: 404, code: 'NOT_FOUND', message: 'Cannot GET /api/nope' });
    expect(renderError(new BadRequestException('plain'), 'r').body).toMatchObject({ statusCode: 400, code: 'BAD_REQUEST', message: 'plain' });
  });

  it('treats an HTTP exception of an unexpected status as our failure: a generic 500', () => {
    const rendered = renderError(new HttpException('teapot', 418), 'r');
    expect(rendered).toMatchObject({ status: 500, unexpected: true, body: { code: 'INTERNAL_ERROR', message: 'Internal server error' } });
  });

  it('gives the throttler’s refusal RATE_LIMITED', () => {
    expect(renderError(new ThrottlerException(), 'r')).toMatchObject({ status: 429, body: { code: 'RATE_LIMITED' } });
  });

  it.each([
    ['entity.too.large', 413, 'PAYLOAD_TOO_LARGE'],
    ['entity.parse.failed', 400, 'MALFORMED_JSON'],
    ['charset.unsupported', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['encoding.unsupported', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['request.size.invalid', 400, 'BAD_REQUEST'],
    ['request.aborted', 499, 'ABORTED'],
  ])('maps the body parser’s %s to %i %s, in its own words', (type, status, code) => {
    const parserError = Object.assign(new Error('body-parser internals: secret-ish detail'), { status: 400, type });
    const { body } = renderError(parserError, 'r');
    expect(body).toMatchObject({ statusCode: status, code });
    expect(body.message).not.toContain('internals');
  });

  it('renders anything else as a generic 500 without its message or stack', () => {
    const rendered = renderError(new TypeError('cannot read x of undefined at /srv/app.js:1'), 'r');
    expect(rendered).toMatchObject({ status: 500, unexpected: true });
    expect(JSON.stringify(rendered.body)).not.toMatch(/undefined|app\.js/);
    expect(renderError(Object.assign(new Error('x'), { type: 'something.else', status: 400 }), 'r').status).toBe(500);
    expect(renderError('a string', 'r').status).toBe(500);
  });
});
