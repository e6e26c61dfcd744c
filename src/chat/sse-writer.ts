import type { Response } from 'express';
import { renderError } from '../common/errors/error-renderer';

/**
 * Server-Sent Events on an Express response. Headers go out with the first
 * event, so a failure before any output can still be a plain JSON error.
 */
export class SseWriter {
  constructor(private readonly res: Response) {}

  get started(): boolean {
    return this.res.headersSent;
  }

  send(event: string, data: unknown): void {
    if (this.res.writableEnded || this.res.destroyed) return;
    if (!this.started) this.start();
    this.res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Ends a stream that has begun with an `error` event: the error body of a JSON response, as its data. */
  fail(error: unknown, requestId: string): void {
    this.send('error', renderError(error, requestId).body);
    this.end();
  }

  end(): void {
    if (!this.res.writableEnded) this.res.end();
  }

  private start(): void {
    this.res.status(200);
    this.res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    // Proxies must pass each event on as it comes instead of buffering the answer.
    this.res.setHeader('Cache-Control', 'no-cache, no-transform');
    this.res.setHeader('X-Accel-Buffering', 'no');
    // No Connection header: Node keeps the connection alive, or closes it after the stream when the client sent `Connection: close`.
    this.res.flushHeaders();
  }
}
