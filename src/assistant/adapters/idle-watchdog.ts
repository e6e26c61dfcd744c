/**
 * Aborts when `parent` aborts or when nothing happened for `idleMs`. The SDK's
 * timeout ends once the response headers arrive, so a stream that stalls after
 * its first bytes needs this to fail instead of hanging.
 */
export class IdleWatchdog {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private expired = false;
  private readonly onParentAbort = (): void => this.controller.abort();

  constructor(
    private readonly idleMs: number,
    private readonly parent?: AbortSignal,
  ) {
    if (parent?.aborted) this.controller.abort();
    parent?.addEventListener('abort', this.onParentAbort, { once: true });
    this.touch();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** True when the watchdog itself fired, as opposed to the parent aborting. */
  get timedOut(): boolean {
    return this.expired;
  }

  touch(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.expired = true;
      this.controller.abort();
    }, this.idleMs);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.parent?.removeEventListener('abort', this.onParentAbort);
  }
}
