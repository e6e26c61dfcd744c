import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthGuard } from './auth.guard';
import { authenticatorProvider } from './authenticator.factory';
import { RefusalBudget } from './refusal-budget';

/**
 * Authentication for every route (AUTH_MODE). Needs the `auth` and `throttle`
 * config namespaces and the ThrottlerModule's storage, which counts refusals.
 */
@Module({
  providers: [authenticatorProvider, RefusalBudget, { provide: APP_GUARD, useClass: AuthGuard }],
})
export class AuthModule {}
