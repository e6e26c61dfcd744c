import { createPublicKey } from 'node:crypto';
import { JwksServer } from '../../../test/support/jwks.server';
import { claimsAt, signHs256, SigningKey, unsignedToken } from '../../../test/support/token-signer';
import { ErrorCode } from '../../common/errors/error-code';
import { ServiceError } from '../../common/errors/service.error';
import { algorithmsOf, type JwtKeySource, type JwtSettings } from '../../config/auth.config';
import type { Principal } from '../principal';
import { JwtAuthenticator, type JwtAuthenticatorOptions } from './jwt.authenticator';

/** A fixed clock (seconds): every exp and nbf below is relative to it, so no test depends on when it runs. */
const NOW = 1_800_000_000;
const SECRET = 'an-hs256-secret-of-at-least-32-characters!';
const fixedClock: JwtAuthenticatorOptions = { now: () => NOW * 1000 };

function settings(keySource: JwtKeySource, userClaim = 'sub'): JwtSettings {
  return { keySource, issuer: 'https://idp.test/', audience: 'chat-backend', userClaim };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}`, apiKey: undefined });

/** The 401 (or other ServiceError) an authentication ends with; fails if it succeeds. */
async function refusal(authenticator: JwtAuthenticator, token: string): Promise<ServiceError> {
  const outcome = await authenticator.authenticate(bearer(token)).then(
    (principal: Principal) => principal,
    (error: unknown) => error,
  );
  if (!(outcome instanceof ServiceError)) throw new Error(`expected a refusal, got ${String(outcome)}`);
  // Nothing of the token may come back to the client.
  expect(outcome.message).not.toContain(token);
  expect(JSON.stringify(outcome.details.headers ?? {})).not.toContain(token);
  return outcome;
}

function expectInvalidToken(error: ServiceError, message: string): void {
  expect(error.code).toBe(ErrorCode.UNAUTHENTICATED);
  expect(error.message).toBe(message);
  expect(error.details.headers).toEqual({ 'WWW-Authenticate': `Bearer error="invalid_token", error_description="${message}"` });
}

describe('JwtAuthenticator with a remote JWKS', () => {
  let jwks: JwksServer;
  let rsa: SigningKey;
  let ec: SigningKey;
  let ed: SigningKey;
  let authenticator: JwtAuthenticator;

  beforeAll(async () => {
    [rsa, ec, ed] = await Promise.all([SigningKey.generate('RS256', 'rsa-1'), SigningKey.generate('ES256', 'ec-1'), SigningKey.generate('EdDSA', 'ed-1')]);
    jwks = await JwksServer.start([await rsa.publicJwk(), await ec.publicJwk(), await ed.publicJwk()]);
  });

  beforeEach(() => {
    authenticator = new JwtAuthenticator(settings({ kind: 'jwks', url: new URL(jwks.url) }), fixedClock);
  });

  afterAll(async () => {
    await jwks.stop();
  });

  it.each(['rsa', 'ec', 'ed'])('accepts a %s-signed token and names its user', async (which) => {
    const key = { rsa, ec, ed }[which]!;
    const principal = await authenticator.authenticate(bearer(await key.sign(claimsAt(NOW, { sub: 'user-42@example.com' }))));
    expect(principal.kind).toBe('jwt');
    expect(principal.namespace).toBe('jwt');
    expect(principal.tokenUser).toBe('user-42@example.com');
  });

  it('accepts an audience list that contains ours', async () => {
    const principal = await authenticator.authenticate(bearer(await rsa.sign(claimsAt(NOW, { aud: ['other', 'chat-backend'] }))));
    expect(principal.tokenUser).toBe('alice');
  });

  it('allows 30 s of clock skew on exp and nbf, and not a second more', async () => {
    await expect(authenticator.authenticate(bearer(await rsa.sign(claimsAt(NOW, { exp: NOW - 29 }))))).resolves.toBeDefined();
    await expect(authenticator.authenticate(bearer(await rsa.sign(claimsAt(NOW, { nbf: NOW + 30 }))))).resolves.toBeDefined();
    expectInvalidToken(await refusal(authenticator, await rsa.sign(claimsAt(NOW, { exp: NOW - 30 }))), 'The token has expired');
    expectInvalidToken(await refusal(authenticator, await rsa.sign(claimsAt(NOW, { nbf: NOW + 31 }))), 'The token is not valid yet');
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['an expired token', { exp: NOW - 3600 }, 'The token has expired'],
    ['a token not valid yet', { nbf: NOW + 3600 }, 'The token is not valid yet'],
    ['a wrong issuer', { iss: 'https://evil.test/' }, "The token's issuer is not accepted"],
    ['no issuer', { iss: undefined }, "The token's issuer is not accepted"],
    ['a wrong audience', { aud: 'another-service' }, "The token's audience is not accepted"],
    ['no exp', { exp: undefined }, 'The token has no valid expiry (exp)'],
    ['a string exp', { exp: String(NOW + 60) }, 'The token has no valid expiry (exp)'],
    ['no user claim', { sub: undefined }, 'The token has no sub claim'],
    ['a user claim with a slash', { sub: 'a/b' }, "The token's sub claim is not a valid user_id"],
    ['a user claim of 129 characters', { sub: 'u'.repeat(129) }, "The token's sub claim is not a valid user_id"],
    ['a numeric user claim', { sub: 42 }, "The token's sub claim is not a valid user_id"],
  ])('refuses %s', async (_name, overrides, message) => {
    const claims = claimsAt(NOW, overrides);
    for (const [name, value] of Object.entries(overrides)) if (value === undefined) delete claims[name];
    expectInvalidToken(await refusal(authenticator, await rsa.sign(claims)), message);
  });

  it('refuses a token signed by another key under a known kid', async () => {
    const impostor = await SigningKey.generate('RS256', 'rsa-1');
    expectInvalidToken(await refusal(authenticator, await impostor.sign(claimsAt(NOW))), "The token's signature is not valid");
  });

  it('refuses alg none', async () => {
    expectInvalidToken(await refusal(authenticator, unsignedToken(claimsAt(NOW))), "The token's algorithm is not accepted");
  });

  it('refuses HS256 signed with the RSA public key as the secret (algorithm confusion)', async () => {
    const token = await signHs256(claimsAt(NOW), await rsa.publicPem(), { kid: 'rsa-1' });
    expectInvalidToken(await refusal(authenticator, token), "The token's algorithm is not accepted");
  });

  it.each(['not-a-jwt', 'a.b.c', `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.e30.`])('refuses the malformed %s', async (token) => {
    expect((await refusal(authenticator, token)).code).toBe(ErrorCode.UNAUTHENTICATED);
  });

  it('asks for a token, without an error code, when there is none or another scheme is used', async () => {
    for (const authorization of [undefined, 'Basic YWxpY2U6c2VjcmV0']) {
      const error = await authenticator.authenticate({ authorization, apiKey: 'ignored in jwt mode' }).catch((e: ServiceError) => e);
      expect(error).toBeInstanceOf(ServiceError);
      expect((error as ServiceError).code).toBe(ErrorCode.UNAUTHENTICATED);
      expect((error as ServiceError).details.headers).toEqual({ 'WWW-Authenticate': 'Bearer' });
    }
  });

  it('uses JWT_USER_CLAIM when set', async () => {
    const byEmail = new JwtAuthenticator(settings({ kind: 'jwks', url: new URL(jwks.url) }, 'email'), fixedClock);
    const principal = await byEmail.authenticate(bearer(await ec.sign(claimsAt(NOW, { email: 'bob@example.com' }))));
    expect(principal.tokenUser).toBe('bob@example.com');
    expectInvalidToken(await refusal(byEmail, await ec.sign(claimsAt(NOW))), 'The token has no email claim');
  });
});

describe('JwtAuthenticator key rotation', () => {
  const COOLDOWN_MS = 1000;
  let jwks: JwksServer;

  afterEach(async () => {
    await jwks.stop();
  });

  it('fetches the keys again for an unknown kid, but not more often than the cooldown', async () => {
    const [old, next] = await Promise.all([SigningKey.generate('RS256', 'old'), SigningKey.generate('ES256', 'next')]);
    jwks = await JwksServer.start([await old.publicJwk()]);
    const authenticator = new JwtAuthenticator(settings({ kind: 'jwks', url: new URL(jwks.url) }), { ...fixedClock, jwks: { cooldownMs: COOLDOWN_MS } });

    await authenticator.authenticate(bearer(await old.sign(claimsAt(NOW))));
    await authenticator.authenticate(bearer(await old.sign(claimsAt(NOW, { sub: 'bob' }))));
    expect(jwks.fetches).toBe(1);

    // The provider rotates. Within the cooldown an unknown kid costs no fetch, however many tokens carry one.
    jwks.setKeys([await next.publicJwk()]);
    const rotated = await next.sign(claimsAt(NOW));
    for (let i = 0; i < 5; i++) expectInvalidToken(await refusal(authenticator, rotated), "The token's signing key is not known");
    const forged = await next.sign(claimsAt(NOW), { kid: 'made-up' });
    expectInvalidToken(await refusal(authenticator, forged), "The token's signing key is not known");
    expect(jwks.fetches).toBe(1);

    await new Promise((resolve) => setTimeout(resolve, COOLDOWN_MS + 100));
    expect((await authenticator.authenticate(bearer(rotated))).tokenUser).toBe('alice');
    expect(jwks.fetches).toBe(2);
    // The old key is gone from the set, and the next unknown kid waits for the cooldown again.
    expectInvalidToken(await refusal(authenticator, await old.sign(claimsAt(NOW))), "The token's signing key is not known");
    expect(jwks.fetches).toBe(2);
  });

  it('answers 503 while the key set cannot be fetched, and does not retry the fetch for every request', async () => {
    const key = await SigningKey.generate('RS256', 'k');
    jwks = await JwksServer.start([await key.publicJwk()]);
    jwks.failWith(500);
    const authenticator = new JwtAuthenticator(settings({ kind: 'jwks', url: new URL(jwks.url) }), {
      ...fixedClock,
      jwks: { cooldownMs: 0, failureBackoffMs: 400 },
    });
    const token = await key.sign(claimsAt(NOW));
    const down = await refusal(authenticator, token);
    expect(down.code).toBe(ErrorCode.IDENTITY_PROVIDER_UNAVAILABLE);
    expect(down.details.retryAfterSeconds).toBe(1);
    expect((await refusal(authenticator, token)).code).toBe(ErrorCode.IDENTITY_PROVIDER_UNAVAILABLE);
    expect(jwks.fetches).toBe(1);

    jwks.failWith(undefined);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await authenticator.authenticate(bearer(token))).tokenUser).toBe('alice');
    expect(jwks.fetches).toBe(2);
  });
});

describe('JwtAuthenticator with a PEM public key', () => {
  it('accepts RS256 and PS256 from an RSA key, and refuses HS256 signed with the PEM itself', async () => {
    const rsa = await SigningKey.generate('RS256', 'pem');
    const pem = await rsa.publicPem();
    const algorithms = algorithmsOf(createPublicKey(pem))!;
    expect(algorithms).toEqual(['RS256', 'PS256']);
    const authenticator = new JwtAuthenticator(settings({ kind: 'public-key', pem, algorithms }), fixedClock);
    expect((await authenticator.authenticate(bearer(await rsa.sign(claimsAt(NOW))))).tokenUser).toBe('alice');
    expectInvalidToken(await refusal(authenticator, await signHs256(claimsAt(NOW), pem)), "The token's algorithm is not accepted");
    expectInvalidToken(await refusal(authenticator, unsignedToken(claimsAt(NOW))), "The token's algorithm is not accepted");
    const other = await SigningKey.generate('RS256', 'pem');
    expectInvalidToken(await refusal(authenticator, await other.sign(claimsAt(NOW))), "The token's signature is not valid");
  });

  it('accepts only ES256 from a P-256 key', async () => {
    const ec = await SigningKey.generate('ES256', 'pem');
    const pem = await ec.publicPem();
    const authenticator = new JwtAuthenticator(settings({ kind: 'public-key', pem, algorithms: algorithmsOf(createPublicKey(pem))! }), fixedClock);
    expect((await authenticator.authenticate(bearer(await ec.sign(claimsAt(NOW))))).tokenUser).toBe('alice');
    const rsa = await SigningKey.generate('RS256', 'pem');
    expectInvalidToken(await refusal(authenticator, await rsa.sign(claimsAt(NOW))), "The token's algorithm is not accepted");
  });
});

describe('JwtAuthenticator with an HS256 secret', () => {
  const authenticator = new JwtAuthenticator(settings({ kind: 'secret', secret: SECRET }), fixedClock);

  it('accepts HS256 signed with the secret', async () => {
    expect((await authenticator.authenticate(bearer(await signHs256(claimsAt(NOW), SECRET)))).tokenUser).toBe('alice');
  });

  it('refuses another secret, an asymmetric algorithm, alg none and an expired token', async () => {
    expectInvalidToken(await refusal(authenticator, await signHs256(claimsAt(NOW), `${SECRET}-not`)), "The token's signature is not valid");
    const rsa = await SigningKey.generate('RS256', 'x');
    expectInvalidToken(await refusal(authenticator, await rsa.sign(claimsAt(NOW))), "The token's algorithm is not accepted");
    expectInvalidToken(await refusal(authenticator, unsignedToken(claimsAt(NOW))), "The token's algorithm is not accepted");
    expectInvalidToken(await refusal(authenticator, await signHs256(claimsAt(NOW, { exp: NOW - 31 }), SECRET)), 'The token has expired');
  });
});
