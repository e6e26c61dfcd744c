import { createHash, generateKeyPairSync } from 'node:crypto';
import { validateEnvironment } from './app-config.module';
import { type AuthConfig, parseAuthConfig } from './auth.config';
import { ConfigValidationError } from './config-validation.error';
import type { Environment } from './env-reader';
import { parseNamespace } from './read-namespace';

const KEY = 'ak-canary-0123456789abcdef0123456789abcdef';
const HASH = createHash('sha256').update(KEY).digest('hex');
const SECRET = 'jwt-canary-secret-0123456789abcdef0123';
const JWT = { AUTH_MODE: 'jwt', JWT_ISSUER: 'https://idp.example.com/', JWT_AUDIENCE: 'chat' };

const pemOf = (type: 'rsa' | 'ec' | 'ed25519' | 'ec384') =>
  type === 'ec384'
    ? generateKeyPairSync('ec', { namedCurve: 'P-384' })
    : type === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : type === 'rsa'
        ? generateKeyPairSync('rsa', { modulusLength: 2048 })
        : generateKeyPairSync('ed25519');

const parse = (env: Environment): AuthConfig => parseNamespace(env, parseAuthConfig);

/** The problems an environment is refused with; fails the test if it is accepted. */
function problems(env: Environment): readonly string[] {
  try {
    validateEnvironment(env);
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      for (const secret of [KEY, HASH, SECRET]) expect(error.message).not.toContain(secret);
      return error.problems;
    }
    throw error;
  }
  throw new Error('expected the environment to be rejected');
}

describe('auth configuration', () => {
  it('defaults to none', () => {
    expect(parse({})).toEqual({ mode: 'none' });
    expect(parse({ AUTH_MODE: 'NONE' })).toEqual({ mode: 'none' });
  });

  it('requires AUTH_MODE with NODE_ENV=production', () => {
    expect(problems({ NODE_ENV: 'production', ASSISTANT_API: 'local' })).toEqual([expect.stringMatching(/^AUTH_MODE must be set with NODE_ENV=production/)]);
    expect(parse({ NODE_ENV: 'production', AUTH_MODE: 'none' })).toEqual({ mode: 'none' });
  });

  it('refuses credentials without a mode, which the default none would silently ignore', () => {
    expect(problems({ API_KEYS: `crm:${HASH}` })).toEqual([expect.stringMatching(/^AUTH_MODE must be set when API_KEYS is set/)]);
    expect(parse({ AUTH_MODE: 'none', API_KEYS: `crm:${HASH}` })).toEqual({ mode: 'none' });
  });

  it('reads API_KEYS as names and hashes', () => {
    const config = parse({ AUTH_MODE: 'api-key', API_KEYS: ` crm:${HASH} , web_2:${'AB'.repeat(32)}` });
    expect(config).toEqual({
      mode: 'api-key',
      keys: [
        { name: 'crm', sha256: Buffer.from(HASH, 'hex') },
        { name: 'web_2', sha256: Buffer.from('ab'.repeat(32), 'hex') },
      ],
    });
  });

  it('lets one name hold several keys, so that a key can be rotated without changing its users', () => {
    const next = '0'.repeat(64);
    expect(parse({ AUTH_MODE: 'api-key', API_KEYS: `crm:${HASH},crm:${next}` })).toEqual({
      mode: 'api-key',
      keys: [
        { name: 'crm', sha256: Buffer.from(HASH, 'hex') },
        { name: 'crm', sha256: Buffer.from(next, 'hex') },
      ],
    });
  });

  it.each<[string, Environment, RegExp]>([
    ['an empty API_KEYS', { AUTH_MODE: 'api-key' }, /^API_KEYS must list at least one NAME:SHA256HEX/],
    ['a raw key instead of a hash', { AUTH_MODE: 'api-key', API_KEYS: `crm:${KEY}` }, /^API_KEYS entry 1 must be NAME:SHA256HEX/],
    ['an entry without a name', { AUTH_MODE: 'api-key', API_KEYS: `crm:${HASH},${HASH}` }, /^API_KEYS entry 2 must be NAME:SHA256HEX/],
    ['a name with a slash', { AUTH_MODE: 'api-key', API_KEYS: `a/b:${HASH}` }, /^API_KEYS entry 1 /],
    ['a name of 65 characters', { AUTH_MODE: 'api-key', API_KEYS: `${'n'.repeat(65)}:${HASH}` }, /^API_KEYS entry 1 /],
    ['one hash under two names', { AUTH_MODE: 'api-key', API_KEYS: `crm:${HASH},web:${HASH}` }, /^API_KEYS must not list one hash under two names/],
    ['an unknown AUTH_MODE', { AUTH_MODE: 'oauth' }, /^AUTH_MODE must be one of none, api-key, jwt/],
  ])('refuses %s, without printing any key or hash', (_name, env, problem) => {
    expect(problems(env)).toEqual([expect.stringMatching(problem)]);
  });

  it('reads the jwt settings with a JWKS URL, a secret, or a PEM key whose type sets the algorithms', () => {
    expect(parse({ ...JWT, JWT_JWKS_URL: 'https://idp.example.com/jwks' })).toEqual({
      mode: 'jwt',
      jwt: { keySource: { kind: 'jwks', url: new URL('https://idp.example.com/jwks') }, issuer: 'https://idp.example.com/', audience: 'chat', userClaim: 'sub' },
    });
    expect(parse({ ...JWT, JWT_SECRET: SECRET, JWT_USER_CLAIM: 'email' })).toMatchObject({
      jwt: { keySource: { kind: 'secret', secret: SECRET }, userClaim: 'email' },
    });
    const algorithmsOf = (type: 'rsa' | 'ec' | 'ed25519') => {
      const pem = pemOf(type).publicKey.export({ type: 'spki', format: 'pem' }) as string;
      const config = parse({ ...JWT, JWT_PUBLIC_KEY: pem });
      return config.mode === 'jwt' && config.jwt.keySource.kind === 'public-key' ? config.jwt.keySource.algorithms : undefined;
    };
    expect(algorithmsOf('rsa')).toEqual(['RS256', 'PS256']);
    expect(algorithmsOf('ec')).toEqual(['ES256']);
    expect(algorithmsOf('ed25519')).toEqual(['EdDSA']);
  });

  it('reads a PEM whose line breaks are written as \\n', () => {
    const pem = pemOf('ec').publicKey.export({ type: 'spki', format: 'pem' }) as string;
    expect(parse({ ...JWT, JWT_PUBLIC_KEY: pem.trim().replace(/\n/g, '\\n') })).toMatchObject({ jwt: { keySource: { kind: 'public-key', pem: pem.trim() } } });
  });

  it.each(['http://127.0.0.1:8080/jwks', 'http://localhost/jwks', 'http://[::1]:9000/jwks'])('allows plain http on the loopback host %s', (url) => {
    expect(parse({ ...JWT, JWT_JWKS_URL: url })).toMatchObject({ jwt: { keySource: { kind: 'jwks' } } });
  });

  it.each<[string, Environment, RegExp]>([
    ['no key source', JWT, /^JWT_JWKS_URL or JWT_PUBLIC_KEY or JWT_SECRET is required/],
    ['two key sources', { ...JWT, JWT_JWKS_URL: 'https://idp.example.com/jwks', JWT_SECRET: SECRET }, /^JWT_SECRET must not be set together with JWT_JWKS_URL/],
    ['http on another host', { ...JWT, JWT_JWKS_URL: 'http://idp.example.com/jwks' }, /^JWT_JWKS_URL must be an https:\/\/ URL \(http:\/\/ only on a loopback host\)/],
    ['a JWKS URL that is not a URL', { ...JWT, JWT_JWKS_URL: 'idp.example.com/jwks' }, /^JWT_JWKS_URL must be an https:\/\/ URL/],
    ['a JWKS URL with a password', { ...JWT, JWT_JWKS_URL: `https://u:${SECRET}@idp.example.com/jwks` }, /^JWT_JWKS_URL must not carry a user name or password/],
    ['a short secret', { ...JWT, JWT_SECRET: 'jwt-canary-short' }, /^JWT_SECRET must be at least 32 characters/],
    ['a PEM that is not a key', { ...JWT, JWT_PUBLIC_KEY: SECRET }, /^JWT_PUBLIC_KEY must be a PEM public key/],
    ['a private key', { ...JWT, JWT_PUBLIC_KEY: pemOf('rsa').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string }, /^JWT_PUBLIC_KEY must be a PEM public key/],
    ['a P-384 key', { ...JWT, JWT_PUBLIC_KEY: pemOf('ec384').publicKey.export({ type: 'spki', format: 'pem' }) as string }, /^JWT_PUBLIC_KEY must be a PEM public key/],
    ['no issuer', { AUTH_MODE: 'jwt', JWT_AUDIENCE: 'chat', JWT_SECRET: SECRET }, /^JWT_ISSUER is required/],
    ['no audience', { AUTH_MODE: 'jwt', JWT_ISSUER: 'https://idp.example.com/', JWT_SECRET: SECRET }, /^JWT_AUDIENCE is required/],
    ['a claim name with a quote', { ...JWT, JWT_SECRET: SECRET, JWT_USER_CLAIM: 'e"mail' }, /^JWT_USER_CLAIM must be a claim name/],
  ])('refuses jwt with %s, without printing a secret', (_name, env, problem) => {
    expect(problems(env)).toEqual([expect.stringMatching(problem)]);
  });
});
