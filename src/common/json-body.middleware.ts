import { HttpStatus, Logger } from '@nestjs/common';
import { isUtf8 } from 'node:buffer';
import express, { type NextFunction, type Request, type Response } from 'express';
import { sendError } from './http-error.filter';
import { jsonShapeProblem } from './json-shape';

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
      sendError(new BadBody('content-type.unsupported', 'The request body must be JSON (Content-Type: application/json)'), req, res, logger);
      return;
    }
    next();
  };
  const checkShape = (req: Request, res: Response, next: NextFunction): void => {
    const problem = jsonShapeProblem(req.body);
    if (problem === undefined) return next();
    sendError(new BadBody('body.shape.invalid', problem), req, res, logger);
  };
  const renderParserError = (error: unknown, req: Request, res: Response, _next: NextFunction): void =>
    sendError(error, req, res, logger);
  return [requireJson, express.json({ limit: BODY_LIMIT_BYTES, verify: requireUtf8 }), checkShape, renderParserError];
}

/** JSON is UTF-8 (RFC 8259): invalid bytes are refused, not silently replaced with U+FFFD. */
function requireUtf8(_req: Request, _res: Response, body: Buffer, encoding: string): void {
  if (encoding.toLowerCase().replace('-', '') === 'utf8' && !isUtf8(body)) {
    throw new BadBody('encoding.invalid', 'The request body is not valid UTF-8');
  }
}

function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/** Shaped like a body-parser error (a status and a type) so that the one renderer handles it. */
class BadBody extends Error {
  readonly status = HttpStatus.BAD_REQUEST;
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}
