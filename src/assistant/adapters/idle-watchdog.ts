import { AssistantError, AssistantErrorCode } from '../errors/assistant.error';

/**
 * Aborts when `parent` aborts or when nothing happened for `idleMs`. It bounds
 * what the SDK's timeout does not: the SDK's timer stops once response headers
 * arrive, so a body or stream that stalls after them would hang forever, and
 * it restarts on every retry.
 */
export class IdleWatchdog {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private expired = false;
  private readonly onParentAbort = (): void => this.controller.abort();

  private constructor(
    private readonly idleMs: number,
    private readonly parent?: AbortSignal,
  ) {
    if (parent?.aborted) this.controller.abort();
    parent?.addEventListener('abort', this.onParentAbort, { once: true });
    this.touch();
  }

  /**
   * Runs `work` with a signal that fires on the parent's abort or after `idleMs`
   * without a `touch()`; a failure after the watchdog fired is an UPSTREAM_TIMEOUT.
   */
  static async guard<T>(idleMs: number, parent: AbortSignal | undefined, work: (watchdog: IdleWatchdog) => Promise<T>): Promise<T> {
    const watchdog = new IdleWatchdog(idleMs, parent);
    try {
      return await work(watchdog);
    } catch (error) {
      if (!watchdog.expired) throw error;
      throw new AssistantError(AssistantErrorCode.UPSTREAM_TIMEOUT, `The assistant did not answer within ${idleMs} ms`, { cause: error });
    } finally {
      watchdog.dispose();
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Progress: the idle period starts again. */
  touch(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.expired = true;
      this.controller.abort();
    }, this.idleMs);
  }

  private dispose(): void {
    clearTimeout(this.timer);
    this.parent?.removeEventListener('abort', this.onParentAbort);
  }
}
