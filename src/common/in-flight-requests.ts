import type { NextFunction, Request, Response } from 'express';

/** Counts requests whose response has not closed yet, so shutdown can wait for them. */
export class InFlightRequests {
  private count = 0;
  private waiters: Array<() => void> = [];

  get size(): number {
    return this.count;
  }

  middleware(): (req: Request, res: Response, next: NextFunction) => void {
    return (_req, res, next) => {
      this.count++;
      res.once('close', () => {
        this.count--;
        if (this.count === 0) this.wake();
      });
      next();
    };
  }

  /** Resolves once no request is in flight. */
  idle(): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
