/**
 * Aborts when `parent` aborts or when an upstream attempt makes no progress for
 * `idleMs`. It bounds what the SDK's timeout does not: the SDK's timer stops once
 * response headers arrive, so a body or stream that stalls after them would hang
 * forever. Between attempts (while the SDK sleeps before a retry) it is paused:
 * a retry wait is not upstream silence.
 */
export class IdleWatchdog {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private expiredFlag = false;
  private readonly onParentAbort = (): void => this.controller.abort();

  constructor(
    readonly idleMs: number,
    private readonly parent?: AbortSignal,
  ) {
    if (parent?.aborted) this.controller.abort();
    parent?.addEventListener('abort', this.onParentAbort, { once: true });
    this.touch();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** True once it fired for want of progress (not for the parent's abort). */
  get expired(): boolean {
    return this.expiredFlag;
  }

  /** Progress, or a new attempt: the idle period starts again. Streams touch it per chunk, so the timer is restarted, not replaced. */
  touch(): void {
    if (this.timer !== undefined) {
      this.timer.refresh();
      return;
    }
    this.timer = setTimeout(() => {
      this.expiredFlag = true;
      this.controller.abort();
    }, this.idleMs);
  }

  /** Nothing is expected from the upstream until the next `touch`. */
  pause(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.parent?.removeEventListener('abort', this.onParentAbort);
  }
}
