import type { NextFunction, Request, Response } from 'express';

/** Tracks requests whose response has not closed yet, so shutdown can wait for them. */
export class InFlightRequests {
  private readonly requests = new Set<Request>();
  private waiters: Array<() => void> = [];

  get size(): number {
    return this.requests.size;
  }

  middleware(): (req: Request, res: Response, next: NextFunction) => void {
    return (req, res, next) => {
      this.requests.add(req);
      res.once('close', () => {
        this.requests.delete(req);
        if (this.requests.size === 0) this.wake();
      });
      next();
    };
  }

  /**
   * Closes the requests whose body has not fully arrived: a client that sends
   * slowly, or stopped half-way, must not hold a shutdown for its grace period.
   */
  dropIncompleteBodies(): number {
    let dropped = 0;
    for (const req of this.requests) {
      if (req.complete) continue;
      req.socket.destroy();
      dropped++;
    }
    return dropped;
  }

  /** Resolves once no request is in flight. */
  idle(): Promise<void> {
    if (this.requests.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
