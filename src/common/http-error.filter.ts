import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import type { MetricsService } from '../metrics/metrics.service';
import { renderError } from './errors/error-renderer';
import { requestIdOf } from './request-context';

/** Nest's exception filter: every failure inside a route reaches the one renderer through here. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  constructor(private readonly metrics: MetricsService) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    // The rate limit's refusals arrive here, as the throttler guard's exception.
    if (error instanceof ThrottlerException) this.metrics.refusedByRateLimit();
    sendError(error, http.getRequest<Request>(), http.getResponse<Response>(), this.logger);
  }
}

/** Also used for errors raised outside Nest's routing (the body parser, authentication). */
export function sendError(error: unknown, req: Request, res: Response, logger: Logger): void {
  const requestId = requestIdOf(req);
  const { status, body, headers, unexpected } = renderError(error, requestId);
  logFailure(logger, error, req, status, body.code, unexpected);
  if (res.headersSent) {
    res.end();
    return;
  }
  res.status(status).set(headers).json(body);
}

/** Logs a failure that is ours or upstream's; a client's own mistakes (4xx) are in the access line already. */
export function logFailure(logger: Logger, error: unknown, req: Request, status: number, code: string, unexpected: boolean): void {
  const requestId = requestIdOf(req);
  if (unexpected) logger.error(`${req.method} ${req.originalUrl} failed [${requestId}]`, (error as Error)?.stack ?? String(error));
  else if (status >= 500) logger.warn(`${req.method} ${req.originalUrl} -> ${status} ${code} [${requestId}]${causeOf(error)}`);
}

/** Upstream causes by status and code only: their messages can quote credentials. */
function causeOf(error: unknown): string {
  const cause = (error as { cause?: { status?: unknown; code?: unknown; requestID?: unknown; name?: unknown } })?.cause;
  if (cause === undefined || cause === null) return '';
  const parts = [cause.name, cause.status, cause.code, cause.requestID].filter((part) => part !== undefined && part !== null);
  return parts.length > 0 ? ` (cause: ${parts.join(' ')})` : '';
}
