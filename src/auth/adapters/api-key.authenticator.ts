import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiKeyHash } from '../../config/auth.config';
import { Authenticator, type CredentialHeaders } from '../authenticator.port';
import { presentedApiKey } from '../credential-headers';
import { unauthenticated } from '../errors/auth.error';
import { Principal } from '../principal';

/**
 * AUTH_MODE=api-key: the SHA-256 of the presented key against every configured
 * hash. Only the hashes are held. Every hash is compared, in constant time,
 * whichever matches, so the time taken says nothing about which key came close.
 */
export class ApiKeyAuthenticator extends Authenticator {
  readonly requiresCredentials = true;

  constructor(private readonly keys: readonly ApiKeyHash[]) {
    super();
  }

  async authenticate(headers: CredentialHeaders): Promise<Principal> {
    const digest = createHash('sha256').update(presentedApiKey(headers), 'utf8').digest();
    let name: string | undefined;
    for (const key of this.keys) {
      if (timingSafeEqual(digest, key.sha256) && name === undefined) name = key.name;
    }
    if (name === undefined) throw unauthenticated('The API key is not valid', 'invalid_token');
    return Principal.apiKey(name);
  }
}
