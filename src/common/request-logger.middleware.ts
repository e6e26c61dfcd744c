import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { requestIdOf } from './request-context';

/** One line per request: method, path, status, duration. Never bodies (message texts are logged at debug by the chat service). */
export function requestLogger(): (req: Request, res: Response, next: NextFunction) => void {
  const logger = new Logger('HTTP');
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const requestId = requestIdOf(req, res);
    res.setHeader('X-Request-Id', requestId);
    res.on('close', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const outcome = res.writableFinished ? String(res.statusCode) : `${res.statusCode} aborted`;
      logger.log(`${req.method} ${req.path} ${outcome} ${ms.toFixed(1)}ms [${requestId}]`);
    });
    next();
  };
}
