import { createPublicKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, customFetch, errors, type FetchImplementation, type JWTVerifyGetKey } from 'jose';
import { ErrorCode } from '../../common/errors/error-code';
import { ServiceError } from '../../common/errors/service.error';
import { JWKS_ALGORITHMS, type JwtKeySource } from '../../config/auth.config';

export interface JwksOptions {
  /** After a successful fetch, a token with an unknown `kid` may trigger the next fetch only this much later. */
  cooldownMs: number;
  /** Keys older than this are fetched again before use. */
  cacheMaxAgeMs: number;
  timeoutMs: number;
  /** After a failed fetch, no fetch is tried (and tokens needing one get 503) for this long. */
  failureBackoffMs: number;
}

export const DEFAULT_JWKS_OPTIONS: JwksOptions = { cooldownMs: 30_000, cacheMaxAgeMs: 600_000, timeoutMs: 5_000, failureBackoffMs: 5_000 };

/** What a token is checked against, and the algorithms that key may verify: the allow-list follows the key. */
export type VerificationKey =
  | { kind: 'resolver'; resolve: JWTVerifyGetKey; algorithms: string[] }
  | { kind: 'key'; key: KeyObject | Uint8Array; algorithms: string[] };

export function verificationKeyOf(source: JwtKeySource, jwks: JwksOptions): VerificationKey {
  switch (source.kind) {
    case 'jwks':
      return { kind: 'resolver', resolve: remoteKeySet(source.url, jwks), algorithms: [...JWKS_ALGORITHMS] };
    case 'public-key':
      return { kind: 'key', key: createPublicKey(source.pem), algorithms: [...source.algorithms] };
    case 'secret':
      return { kind: 'key', key: new TextEncoder().encode(source.secret), algorithms: ['HS256'] };
  }
}

/**
 * jose's remote key set (cached; refetched on an unknown `kid`, at most once
 * per cooldown) with one addition: a failed fetch is not retried for
 * `failureBackoffMs`, so an identity provider that is down is not hammered by
 * every request. Tokens whose key is cached keep working meanwhile.
 */
function remoteKeySet(url: URL, options: JwksOptions): JWTVerifyGetKey {
  let retryAt = 0;
  const fetchUnlessBackingOff: FetchImplementation = async (href, init) => {
    if (Date.now() < retryAt) throw new Error('the last JWKS fetch failed moments ago');
    try {
      const response = await fetch(href, init);
      if (response.status !== 200) retryAt = Date.now() + options.failureBackoffMs;
      return response;
    } catch (error) {
      retryAt = Date.now() + options.failureBackoffMs;
      throw error;
    }
  };
  const remote = createRemoteJWKSet(url, {
    cooldownDuration: options.cooldownMs,
    cacheMaxAge: options.cacheMaxAgeMs,
    timeoutDuration: options.timeoutMs,
    [customFetch]: fetchUnlessBackingOff,
  });
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (error) {
      // No key for the token's kid (jose has refetched if the cooldown allowed): the token's problem, a 401.
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error;
      // Anything else is about the key set itself: unreachable, not 200, not a JWKS. Not the caller's fault.
      retryAt = Math.max(retryAt, Date.now() + options.failureBackoffMs);
      throw new ServiceError(ErrorCode.IDENTITY_PROVIDER_UNAVAILABLE, "The identity provider's signing keys cannot be fetched; try again later", {
        retryAfterSeconds: Math.max(1, Math.ceil((retryAt - Date.now()) / 1000)),
        cause: error,
      });
    }
  };
}
