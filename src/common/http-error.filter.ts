import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { toErrorResponse } from './error-response';
import { requestIdOf } from './request-context';

/** The one place where failures become HTTP responses. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendError(error, http.getRequest<Request>(), http.getResponse<Response>(), this.logger);
  }
}

/** Also used for errors raised outside Nest's routing (the body parser) and inside streams. */
export function sendError(error: unknown, req: Request, res: Response, logger: Logger): void {
  const { status, body, headers, unexpected } = toErrorResponse(error);
  const requestId = requestIdOf(req, res);
  if (unexpected) logger.error(`${req.method} ${req.originalUrl} failed [${requestId}]`, (error as Error)?.stack ?? String(error));
  else if (status >= 500) logger.warn(`${req.method} ${req.originalUrl} -> ${status} ${body.code} [${requestId}]${causeOf(error)}`);
  if (res.headersSent) {
    res.end();
    return;
  }
  res.status(status).set(headers).json({ ...body, requestId });
}

/** Upstream causes by status and code only: their messages can quote credentials. */
function causeOf(error: unknown): string {
  const cause = (error as { cause?: { status?: unknown; code?: unknown; requestID?: unknown; name?: unknown } })?.cause;
  if (cause === undefined || cause === null) return '';
  const parts = [cause.name, cause.status, cause.code, cause.requestID].filter((part) => part !== undefined && part !== null);
  return parts.length > 0 ? ` (cause: ${parts.join(' ')})` : '';
}
