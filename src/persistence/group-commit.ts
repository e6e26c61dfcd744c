interface Waiters {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

function waiters(): Waiters {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Coalesces write requests: while one write runs, every request that arrives
 * joins the next one, so a burst of N changes costs two writes, not N. Each
 * caller's promise settles with the first write that began after its request,
 * which is the first write that contains its change.
 */
export class GroupCommit {
  private running: Promise<void> | undefined;
  private next: Waiters | undefined;

  constructor(private readonly writeSnapshot: () => Promise<void>) {}

  request(): Promise<void> {
    const batch = (this.next ??= waiters());
    if (this.running === undefined) this.startNext();
    return batch.promise;
  }

  /** Settles once no write is running or waiting. */
  async drain(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  /** A writer that throws synchronously still settles its batch. */
  private startWrite(): Promise<void> {
    try {
      return this.writeSnapshot();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private startNext(): void {
    const batch = this.next;
    if (batch === undefined) return;
    this.next = undefined;
    this.running = this.startWrite()
      .then(batch.resolve, batch.reject)
      .finally(() => {
        this.running = undefined;
        this.startNext();
      });
  }
}
