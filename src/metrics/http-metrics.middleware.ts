import type { NextFunction, Request, Response } from 'express';
import type { MetricsService } from './metrics.service';

/** When a request arrived, for the duration metric and the Server-Timing header. */
export function requestStart(res: Response): bigint {
  return (res.locals.startedAt as bigint | undefined) ?? process.hrtime.bigint();
}

export function millisecondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/**
 * Times every request from its arrival to the end of its response, labelled
 * with the route template Express matched (`/api/chat/history`, never the URL
 * with its query), or `unmatched` for a request refused before routing or a 404.
 */
export function httpMetrics(metrics: MetricsService): (req: Request, res: Response, next: NextFunction) => void {
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    res.locals.startedAt = start;
    res.once('close', () => {
      const route = (req.route as { path?: unknown } | undefined)?.path;
      metrics.requestEnded(typeof route === 'string' ? route : 'unmatched', req.method, res.statusCode, millisecondsSince(start) / 1000);
    });
    next();
  };
}
