import type { Request } from 'express';
import type { Principal } from './principal';

/** A symbol, not a named property: nothing that serialises or logs the request can pick it up by accident. */
const PRINCIPAL = Symbol('principal');

type WithPrincipal = Request & { [PRINCIPAL]?: Principal };

export function attachPrincipal(req: Request, principal: Principal): void {
  (req as WithPrincipal)[PRINCIPAL] = principal;
}

/** The caller the auth guard established; undefined on public routes and before the guard ran. */
export function principalOf(req: Request): Principal | undefined {
  return (req as WithPrincipal)[PRINCIPAL];
}
