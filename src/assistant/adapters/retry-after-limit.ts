/** The longest wait the service sits out on a request's path before retrying upstream. */
export const MAX_RETRY_WAIT_MS = 5000;

type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

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
    if (response.ok || retryWaitMs(response.headers) <= MAX_RETRY_WAIT_MS) return response;
    const headers = new Headers(response.headers);
    headers.set('x-should-retry', 'false');
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  };
}

function retryWaitMs(headers: Headers): number {
  const milliseconds = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (Number.isFinite(milliseconds)) return milliseconds;
  const raw = headers.get('retry-after');
  if (raw === null) return 0;
  const seconds = Number.parseFloat(raw);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? 0 : date - Date.now();
}
