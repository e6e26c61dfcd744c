import type { Fetch } from './upstream-attempts';

/** The longest wait the service sits out on a request's path before retrying upstream. */
export const MAX_RETRY_WAIT_MS = 5000;

/**
 * How long the upstream asks us to wait, in milliseconds: `retry-after-ms`
 * (OpenAI's), else `retry-after` in seconds or as an HTTP date. Undefined when
 * it says nothing usable.
 */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  const milliseconds = Number.parseFloat(headers?.get('retry-after-ms') ?? '');
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds;
  const raw = headers?.get('retry-after')?.trim();
  if (!raw) return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) return Number.parseFloat(raw) * 1000;
  // An HTTP date names its day and month; Date.parse would also take "-3" as a year.
  if (!/[a-z]/i.test(raw)) return undefined;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * A fetch for the SDK that stops it from sleeping through a long `retry-after`:
 * the SDK obeys any value (even minutes) before retrying, holding the client's
 * request all that time. Past MAX_RETRY_WAIT_MS the response is marked
 * `x-should-retry: false`, so the failure comes back at once and the client
 * gets a 503 with the upstream's Retry-After instead.
 */
export function fetchWithRetryWaitLimit(inner: Fetch = globalThis.fetch): Fetch {
  return async (input, init) => {
    const response = await inner(input, init);
    if (response.ok || (retryAfterMs(response.headers) ?? 0) <= MAX_RETRY_WAIT_MS) return response;
    const headers = new Headers(response.headers);
    headers.set('x-should-retry', 'false');
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  };
}
