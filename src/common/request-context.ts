import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';

const INCOMING_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The id of the request: the caller's `X-Request-Id` when it is sane, else a new UUID. */
export function requestIdOf(req: Request, res: Response): string {
  const existing = res.locals.requestId as string | undefined;
  if (existing !== undefined) return existing;
  const incoming = req.get('x-request-id');
  const requestId = incoming !== undefined && INCOMING_ID.test(incoming) ? incoming : randomUUID();
  res.locals.requestId = requestId;
  return requestId;
}
