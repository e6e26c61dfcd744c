import { randomUUID } from 'node:crypto';
import type { Request } from 'express';

/**
 * The id of the request, as the request logger gave it (the caller's sane
 * X-Request-Id, or a new UUID). A request that never met the logger gets a new one.
 */
export function requestIdOf(req: Request): string {
  if (typeof req.id !== 'string') req.id = randomUUID();
  return req.id;
}
