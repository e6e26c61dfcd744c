import { HttpStatus, Logger } from '@nestjs/common';
import express, { type NextFunction, type Request, type Response } from 'express';
import { sendError } from './http-error.filter';

export const BODY_LIMIT_BYTES = 64 * 1024;

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * JSON bodies only, up to 64 KiB. A body of another type is a 400 rather than
 * being silently ignored; parser failures get the API's error shape instead of
 * Express's HTML page.
 */
export function jsonBody(): Array<
  ((req: Request, res: Response, next: NextFunction) => void) | ((error: unknown, req: Request, res: Response, next: NextFunction) => void)
> {
  const logger = new Logger('HttpError');
  const requireJson = (req: Request, res: Response, next: NextFunction): void => {
    if (BODY_METHODS.has(req.method) && hasBody(req) && !req.is(['application/json', 'application/*+json'])) {
      sendError(new UnsupportedBody(), req, res, logger);
      return;
    }
    next();
  };
  const renderParserError = (error: unknown, req: Request, res: Response, _next: NextFunction): void =>
    sendError(error, req, res, logger);
  return [requireJson, express.json({ limit: BODY_LIMIT_BYTES }), renderParserError];
}

function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/** Shaped like a body-parser error so that the one renderer handles it. */
class UnsupportedBody extends Error {
  readonly status = HttpStatus.BAD_REQUEST;
  readonly type = 'content-type.unsupported';
  constructor() {
    super('The request body must be JSON');
  }
}
