import type { ConfigType } from '@nestjs/config';
import { authConfig } from '../config/auth.config';
import { ApiKeyAuthenticator } from './adapters/api-key.authenticator';
import { JwtAuthenticator } from './adapters/jwt.authenticator';
import { OpenAuthenticator } from './adapters/open.authenticator';
import { Authenticator } from './authenticator.port';

export function createAuthenticator(config: ConfigType<typeof authConfig>): Authenticator {
  switch (config.mode) {
    case 'none':
      return new OpenAuthenticator();
    case 'api-key':
      return new ApiKeyAuthenticator(config.keys);
    case 'jwt':
      return new JwtAuthenticator(config.jwt);
    default: {
      // The mode only: the rest of the config holds key hashes and secrets.
      const unknown: never = config;
      throw new Error(`Unknown AUTH_MODE ${String((unknown as { mode?: unknown }).mode)}`);
    }
  }
}

export const authenticatorProvider = { provide: Authenticator, inject: [authConfig.KEY], useFactory: createAuthenticator };
