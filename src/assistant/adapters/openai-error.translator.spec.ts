import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { AssistantError, AssistantErrorCode } from '../errors/assistant.error';
import { safeCode, translateOpenAiError } from './openai-error.translator';

const CANARY = 'sk-canary-in-the-upstream-message';

/** The SDK's own error for an upstream answer with this status, body and headers. */
function upstream(status: number, code: string | null, headers: Record<string, string> = {}): APIError {
  const error = { message: `Incorrect API key provided: ${CANARY}`, type: 'invalid_request_error', param: null, code };
  return APIError.generate(status, { error }, undefined, new Headers(headers));
}

describe('translateOpenAiError', () => {
  it.each([
    [401, 'invalid_api_key', AssistantErrorCode.UPSTREAM_REJECTED],
    [403, null, AssistantErrorCode.UPSTREAM_REJECTED],
    [404, 'not_found', AssistantErrorCode.UPSTREAM_REJECTED],
    [400, 'invalid_value', AssistantErrorCode.UPSTREAM_REJECTED],
    [408, null, AssistantErrorCode.UPSTREAM_TIMEOUT],
    [409, null, AssistantErrorCode.UPSTREAM_REJECTED],
    [429, 'rate_limit_exceeded', AssistantErrorCode.UPSTREAM_RATE_LIMITED],
    [500, null, AssistantErrorCode.UPSTREAM_FAILED],
    [502, null, AssistantErrorCode.UPSTREAM_FAILED],
    [503, null, AssistantErrorCode.UPSTREAM_UNAVAILABLE],
  ])('maps an upstream %i to %s, never quoting the upstream message', (status, code, expected) => {
    const translated = translateOpenAiError(upstream(status, code), 'answer');
    expect(translated).toBeInstanceOf(AssistantError);
    expect(translated.code).toBe(expected);
    expect(translated.message).not.toContain(CANARY);
    expect(translated.message).not.toContain('Incorrect API key');
    if (code !== null) expect(translated.message).toContain(`(${code})`);
  });

  it.each([
    ['retry-after seconds', { 'retry-after': '7' }, 7],
    ['retry-after-ms, rounded up', { 'retry-after-ms': '1500' }, 2],
    ['an HTTP date', { 'retry-after': new Date(Date.now() + 30_000).toUTCString() }, expect.any(Number)],
    ['nothing usable', { 'retry-after': 'soon' }, undefined],
  ])('passes on the wait of a 429 given as %s', (_name, headers, seconds) => {
    const translated = translateOpenAiError(upstream(429, null, headers), 'answer');
    expect(translated.details.retryAfterSeconds).toEqual(seconds);
  });

  it('passes on the wait of a 503 too', () => {
    expect(translateOpenAiError(upstream(503, null, { 'retry-after': '3' }), 'answer').details.retryAfterSeconds).toBe(3);
  });

  it('does not echo an upstream code that is not a short identifier', () => {
    const translated = translateOpenAiError(upstream(400, `bad code with ${CANARY}`), 'answer');
    expect(translated.message).not.toContain(CANARY);
  });

  it.each([
    ['a refused connection', new APIConnectionError({ message: 'ECONNREFUSED' }), AssistantErrorCode.UPSTREAM_UNREACHABLE],
    ['a connection timeout', new APIConnectionTimeoutError(), AssistantErrorCode.UPSTREAM_TIMEOUT],
    ['an abort', new APIUserAbortError(), AssistantErrorCode.ABORTED],
    ['anything else', new SyntaxError('Unexpected token < in JSON'), AssistantErrorCode.UPSTREAM_FAILED],
  ])('maps %s', (_name, error, expected) => {
    const translated = translateOpenAiError(error, 'start a conversation');
    expect(translated.code).toBe(expected);
    expect(translated.details.cause).toBe(error);
  });

  it('keeps an AssistantError as it is', () => {
    const original = new AssistantError(AssistantErrorCode.THREAD_NOT_FOUND, 'gone');
    expect(translateOpenAiError(original, 'answer')).toBe(original);
  });

  it('names the action that failed', () => {
    expect(translateOpenAiError(upstream(500, null), 'delete the conversation').message).toContain('delete the conversation');
  });
});

describe('safeCode', () => {
  it('keeps short identifiers and replaces anything else', () => {
    expect(safeCode('server_error')).toBe('server_error');
    expect(safeCode('a b')).toBe('error');
    expect(safeCode(null, 'failed')).toBe('failed');
    expect(safeCode('x'.repeat(65))).toBe('error');
  });
});
