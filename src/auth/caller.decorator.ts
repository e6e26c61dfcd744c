import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { Principal } from './principal';
import { principalOf } from './request-principal';

/**
 * The authenticated caller of a guarded route. Controllers take identity from
 * here, never from headers. On a `@Public()` route there is none: asking for
 * it there is a programming error.
 */
export const Caller = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const principal = principalOf(context.switchToHttp().getRequest<Request>());
  if (principal === undefined) throw new Error('@Caller() used on a route the auth guard did not check (is it @Public()?)');
  return principal;
});
