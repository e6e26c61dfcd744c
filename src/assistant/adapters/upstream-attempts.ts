import { AsyncLocalStorage } from 'node:async_hooks';
import { AssistantError, AssistantErrorCode } from '../errors/assistant.error';
import { IdleWatchdog } from './idle-watchdog';

export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * Gives every upstream call a watchdog and ties the SDK's fetches to it, so that
 * OPENAI_TIMEOUT_MS bounds each attempt and the SDK's backoff between attempts
 * does not count. One instance per SDK client: the fetch it wraps finds the
 * calling turn's watchdog through async context, not through shared state.
 */
export class UpstreamAttempts {
  private readonly current = new AsyncLocalStorage<IdleWatchdog>();

  constructor(private readonly timeoutMs: number) {}

  /**
   * Runs `work` with a signal that fires on `parent`'s abort or when an attempt
   * stalls; a failure after a stall is an UPSTREAM_TIMEOUT.
   */
  async guard<T>(parent: AbortSignal | undefined, work: (watchdog: IdleWatchdog) => Promise<T>): Promise<T> {
    const watchdog = new IdleWatchdog(this.timeoutMs, parent);
    try {
      return await this.current.run(watchdog, () => work(watchdog));
    } catch (error) {
      if (!watchdog.expired) throw error;
      throw new AssistantError(AssistantErrorCode.UPSTREAM_TIMEOUT, `The assistant did not answer within ${this.timeoutMs} ms`, {
        cause: error,
      });
    } finally {
      watchdog.dispose();
    }
  }

  /**
   * The SDK's fetch: each call is an attempt, and the clock runs while it is in
   * flight. A failed attempt pauses the clock, since the SDK may now sleep before
   * retrying; reading that failure's body (when the SDK does not retry) starts it
   * again, so a stalled error body is still caught.
   */
  wrap(inner: Fetch): Fetch {
    return async (input, init) => {
      const watchdog = this.current.getStore();
      watchdog?.touch();
      let response: Response;
      try {
        response = await inner(input, init);
      } catch (error) {
        watchdog?.pause();
        throw error;
      }
      if (response.ok || watchdog === undefined || response.body === null) return response;
      watchdog.pause();
      return new Response(resumingOnRead(response.body, watchdog), response);
    };
  }
}

function resumingOnRead(body: ReadableStream<Uint8Array>, watchdog: IdleWatchdog): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      watchdog.touch();
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}
