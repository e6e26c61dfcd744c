import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { normalizeIp } from '@nestjs/throttler';
import type { Request } from 'express';
import { ErrorCode } from '../common/errors/error-code';
import { ServiceError } from '../common/errors/service.error';
import { Authenticator } from './authenticator.port';
import { credentialHeadersOf } from './credential-headers';
import { isUnauthenticated } from './errors/auth.error';
import { Principal } from './principal';
import { IS_PUBLIC } from './public.decorator';
import { RefusalBudget } from './refusal-budget';
import { attachPrincipal } from './request-principal';

/**
 * The global guard: every route needs credentials unless it is `@Public()`.
 * It leaves the caller on the request for `@Caller()`; refusals are 401s, and
 * an address that has had too many of them gets 429 without being checked.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
    private readonly refusals: RefusalBudget,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const req = context.switchToHttp().getRequest<Request>();
    if (!this.authenticator.requiresCredentials) {
      attachPrincipal(req, Principal.OPEN);
      return true;
    }
    const address = clientAddress(req);
    const retryAfterSeconds = this.refusals.retryAfterSeconds(address);
    if (retryAfterSeconds !== undefined) {
      throw new ServiceError(ErrorCode.RATE_LIMITED, 'Too many requests with missing or invalid credentials from this address; see Retry-After', {
        retryAfterSeconds,
      });
    }
    try {
      attachPrincipal(req, await this.authenticator.authenticate(credentialHeadersOf(req)));
      return true;
    } catch (error) {
      if (isUnauthenticated(error)) await this.refusals.spend(address);
      throw error;
    }
  }
}

/** The client address as the rate limit counts it (Express's req.ip under TRUST_PROXY, IPv6 by /64 as the throttler does). */
export function clientAddress(req: Request): string {
  return normalizeIp(req.ip ?? req.socket.remoteAddress ?? 'unknown');
}
