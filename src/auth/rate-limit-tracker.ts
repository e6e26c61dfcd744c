import type { Request } from 'express';
import { USER_ID_PATTERN } from '../chat/dto/user-id.rule';
import { clientAddress } from './auth.guard';
import { principalOf } from './request-principal';

/** Never a valid user_id (no parentheses there), so it cannot collide with one. */
const ANONYMOUS = '(anonymous)';

/**
 * Who a request counts against in the rate limit. With AUTH_MODE=none it is
 * the client address, as it always was. With credentials it is the user: per
 * key and user_id for an API key (a key's anonymous requests share one
 * budget, or a fresh anon id each time would be unlimited), per token user
 * for JWT. Runs after the auth guard, before the body is validated: a user_id
 * the pipe will refuse counts as anonymous.
 */
export function rateLimitTracker(req: Request): string {
  const principal = principalOf(req);
  if (principal === undefined || principal.kind === 'open') return clientAddress(req);
  const user = principal.tokenUser ?? requestedUserId(req) ?? ANONYMOUS;
  return `user:${principal.namespace}/${user}`;
}

function requestedUserId(req: Request): string | undefined {
  const body: unknown = req.body;
  const fromBody = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).user_id : undefined;
  const value = fromBody ?? (req.query as Record<string, unknown>).user_id;
  return typeof value === 'string' && USER_ID_PATTERN.test(value) ? value : undefined;
}
