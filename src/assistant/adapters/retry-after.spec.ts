import { fetchWithRetryWaitLimit, MAX_RETRY_WAIT_MS, retryAfterMs } from './retry-after';

describe('retryAfterMs', () => {
  const now = Date.parse('2026-11-29T12:00:00Z');

  it.each([
    ['retry-after-ms', { 'retry-after-ms': '250' }, 250],
    ['retry-after-ms over retry-after', { 'retry-after-ms': '250', 'retry-after': '9' }, 250],
    ['retry-after in seconds', { 'retry-after': '7' }, 7000],
    ['fractional seconds', { 'retry-after': '1.5' }, 1500],
    ['an HTTP date', { 'retry-after': 'Sun, 29 Nov 2026 12:00:30 GMT' }, 30_000],
    ['a date in the past', { 'retry-after': 'Sun, 29 Nov 2026 11:00:00 GMT' }, 0],
    ['nothing', {}, undefined],
    ['garbage', { 'retry-after': 'later please' }, undefined],
    ['a negative number', { 'retry-after': '-3' }, undefined],
  ])('reads %s', (_name, headers, expected) => {
    expect(retryAfterMs(new Headers(headers), now)).toBe(expected);
  });
});

describe('fetchWithRetryWaitLimit', () => {
  const answering = (status: number, headers: Record<string, string>) => () => Promise.resolve(new Response('{}', { status, headers }));

  it(`tells the SDK not to retry when the upstream asks for more than ${MAX_RETRY_WAIT_MS} ms`, async () => {
    const response = await fetchWithRetryWaitLimit(answering(429, { 'retry-after': '30' }))('http://x');
    expect(response.status).toBe(429);
    expect(response.headers.get('x-should-retry')).toBe('false');
    expect(response.headers.get('retry-after')).toBe('30');
  });

  it('leaves short waits and successes alone', async () => {
    const short = await fetchWithRetryWaitLimit(answering(429, { 'retry-after': '1' }))('http://x');
    expect(short.headers.get('x-should-retry')).toBeNull();
    const ok = await fetchWithRetryWaitLimit(answering(200, { 'retry-after': '30' }))('http://x');
    expect(ok.headers.get('x-should-retry')).toBeNull();
  });
});
