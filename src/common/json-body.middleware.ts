import { isUtf8 } from 'node:buffer';
import { Logger } from '@nestjs/common';
import express, { type NextFunction, type Request, type Response } from 'express';
import { ErrorCode } from './errors/error-code';
import { ServiceError } from './errors/service.error';
import { sendError } from './http-error.filter';
import { jsonShapeProblem } from './json-shape';

export const BODY_LIMIT_BYTES = 64 * 1024;

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)"?/i;

type Middleware = (req: Request, res: Response, next: NextFunction) => void;
type ErrorMiddleware = (error: unknown, req: Request, res: Response, next: NextFunction) => void;

/**
 * JSON bodies only, in UTF-8, up to 64 KiB. Any other content type, or another
 * charset, is a 415 rather than being silently ignored or decoded. Every failure
 * here goes through the one error renderer.
 */
export function jsonBody(): Array<Middleware | ErrorMiddleware> {
  const logger = new Logger('HttpError');
  const requireJson: Middleware = (req, _res, next) => {
    if (!BODY_METHODS.has(req.method) || !hasBody(req)) return next();
    next(contentTypeProblem(req.headers['content-type']));
  };
  const checkShape: Middleware = (req, _res, next) => {
    const problem = jsonShapeProblem(req.body);
    next(problem === undefined ? undefined : new ServiceError(ErrorCode.VALIDATION_FAILED, [problem]));
  };
  const renderError: ErrorMiddleware = (error, req, res, _next) => sendError(error, req, res, logger);
  return [requireJson, express.json({ limit: BODY_LIMIT_BYTES, type: 'application/json', verify: requireUtf8 }), checkShape, renderError];
}

/** Why a body with this Content-Type is refused, or undefined when it is JSON in UTF-8. */
function contentTypeProblem(contentType: string | undefined): ServiceError | undefined {
  const [type = '', ...parameters] = (contentType ?? '').split(';');
  if (type.trim().toLowerCase() !== 'application/json') {
    return new ServiceError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'The request body must be JSON (Content-Type: application/json)');
  }
  const charset = CHARSET.exec(`;${parameters.join(';')}`)?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8') {
    return new ServiceError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'The request body must be application/json in UTF-8 (charset=utf-8, or no charset)');
  }
  return undefined;
}

/** JSON is UTF-8 (RFC 8259): invalid bytes are refused, not silently replaced with U+FFFD. */
function requireUtf8(_req: Request, _res: Response, body: Buffer): void {
  if (!isUtf8(body)) throw new ServiceError(ErrorCode.INVALID_UTF8, 'The request body is not valid UTF-8');
}

function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}
