import { setTimeout as sleep } from 'node:timers/promises';
import { AssistantErrorCode } from '../errors/assistant.error';
import { type Fetch, UpstreamAttempts } from './upstream-attempts';

/** A fetch whose answers the test scripts: each call takes the next one. */
function scripted(...answers: Array<() => Promise<Response>>): Fetch & { calls: number } {
  const fetch = Object.assign(async () => answers[fetch.calls++](), { calls: 0 });
  return fetch;
}

/** A body that never sends a byte. */
const stalledBody = (): ReadableStream<Uint8Array> => new ReadableStream({ pull: () => new Promise(() => undefined) });

describe('UpstreamAttempts', () => {
  const TIMEOUT_MS = 100;

  it('does not count the wait between a failed attempt and the next one', async () => {
    const attempts = new UpstreamAttempts(TIMEOUT_MS);
    const fetch = attempts.wrap(scripted(async () => new Response('{}', { status: 500 }), async () => new Response('ok')));
    const text = await attempts.guard(undefined, async () => {
      const failed = await fetch('http://x');
      await failed.body?.cancel();
      // The SDK's backoff: three timeouts long, and no attempt in flight.
      await sleep(3 * TIMEOUT_MS);
      return (await fetch('http://x')).text();
    });
    expect(text).toBe('ok');
  });

  it('fails an attempt that makes no progress with UPSTREAM_TIMEOUT', async () => {
    const attempts = new UpstreamAttempts(TIMEOUT_MS);
    const fetch = attempts.wrap((_input, init) => new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(new Error('aborted')))));
    await expect(attempts.guard(undefined, (watchdog) => fetch('http://x', { signal: watchdog.signal }))).rejects.toMatchObject({
      code: AssistantErrorCode.UPSTREAM_TIMEOUT,
    });
  });

  it('starts the clock again when the error body of a failed attempt is read, so a stalled one is caught', async () => {
    const attempts = new UpstreamAttempts(TIMEOUT_MS);
    const fetch = attempts.wrap(scripted(async () => new Response(stalledBody(), { status: 400 })));
    const reading = attempts.guard(undefined, async (watchdog) => {
      const response = await fetch('http://x');
      return Promise.race([
        response.text(),
        new Promise((_resolve, reject) => watchdog.signal.addEventListener('abort', () => reject(new Error('aborted')))),
      ]);
    });
    await expect(reading).rejects.toMatchObject({ code: AssistantErrorCode.UPSTREAM_TIMEOUT });
  });

  it('passes a caller’s abort through as it is, not as a timeout', async () => {
    const attempts = new UpstreamAttempts(TIMEOUT_MS);
    const controller = new AbortController();
    const gone = new Error('the client went away');
    const work = attempts.guard(controller.signal, async (watchdog) => {
      await new Promise((resolve) => watchdog.signal.addEventListener('abort', resolve));
      throw gone;
    });
    controller.abort();
    await expect(work).rejects.toBe(gone);
  });

  it('leaves fetches made outside any guard alone', async () => {
    const attempts = new UpstreamAttempts(TIMEOUT_MS);
    const response = await attempts.wrap(scripted(async () => new Response('plain', { status: 500 })))('http://x');
    expect(await response.text()).toBe('plain');
  });
});
