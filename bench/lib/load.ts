import autocannon from 'autocannon';

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
}

export type UserKind = 'returning' | 'new';

/** A pool of users that already have a conversation; big enough that no two in-flight requests share one. */
export const RETURNING_POOL = 512;

/** Sends one message for every returning user so their conversations exist before measuring. */
export async function warmUp(url: string, prefix: string): Promise<void> {
  const users = Array.from({ length: RETURNING_POOL }, (_, i) => `${prefix}-${i}`);
  for (let i = 0; i < users.length; i += 64) {
    await Promise.all(users.slice(i, i + 64).map((user) => post(url, user, 'warm-up')));
  }
}

async function post(url: string, userId: string, message: string): Promise<void> {
  const response = await fetch(`${url}/api/chat`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ user_id: userId, message }),
  });
  if (!response.ok) throw new Error(`warm-up got ${response.status}`);
  await response.arrayBuffer();
}

/** `total` chats (message n's body from `bodyOf(n)`), `concurrency` at a time, each awaited whole; fails on anything but 200. */
export async function postChats(url: string, total: number, concurrency: number, bodyOf: (n: number) => { user_id: string; message: string }): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      const response = await fetch(`${url}/api/chat`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(bodyOf(next++)),
      });
      if (!response.ok) throw new Error(`a chat got ${response.status}: ${await response.text()}`);
      await response.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/**
 * Drives POST /api/chat with `connections` concurrent connections for `seconds`.
 * Returning users cycle through the warmed pool; new users are unique per request.
 */
export async function drive(url: string, connections: number, seconds: number, users: UserKind, prefix: string): Promise<LoadResult> {
  let counter = 0;
  const result = await autocannon({
    url: `${url}/api/chat`,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => {
          const n = counter++;
          const userId = users === 'returning' ? `${prefix}-${n % RETURNING_POOL}` : `${prefix}-new-${n}`;
          return { ...request, body: JSON.stringify({ user_id: userId, message: `message ${n}` }) };
        },
      },
    ],
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}
