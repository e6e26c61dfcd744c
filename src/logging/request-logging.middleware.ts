import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import type { LevelWithSilent, Logger } from 'pino';
import { pinoHttp } from 'pino-http';

/** A caller's X-Request-Id is kept when it is this sane: short, and nothing that could forge a log line. */
const INCOMING_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Probes and scrapes would drown the access log; their failures still show up in metrics and health. */
const QUIET_PATHS = new Set(['/api/health/live', '/api/metrics']);

/**
 * The first middleware of every request: gives it its id (the caller's sane
 * X-Request-Id, or a new UUID, echoed in the response) and a child logger that
 * carries it as `reqId`, and writes one access line when it ends. Bodies and
 * headers are never logged; the query string neither (it can hold user ids and
 * cursors, and clients have been known to put keys there).
 */
export function requestLogging(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    quietReqLogger: true,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    autoLogging: { ignore: (req) => QUIET_PATHS.has(pathOf(req.url)) },
    customLogLevel: (_req, res, error): LevelWithSilent => (error !== undefined || res.statusCode >= 500 ? 'warn' : 'info'),
    customSuccessMessage: (req, res, ms) => `${req.method} ${pathOf(req.url)} ${res.statusCode} ${ms}ms`,
    customErrorMessage: (req, res) => `${req.method} ${pathOf(req.url)} ${res.statusCode} aborted`,
    serializers: {
      req: (req: { method?: string; url?: string }) => ({ method: req.method, path: pathOf(req.url) }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
  }) as unknown as RequestHandler;
}

function pathOf(url: string | undefined): string {
  return (url ?? '').split('?', 1)[0];
}
