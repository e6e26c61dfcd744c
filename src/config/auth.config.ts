import { createPublicKey, type KeyObject } from 'node:crypto';
import { registerAs } from '@nestjs/config';
import type { EnvReader } from './env-reader';
import { parseNamespace } from './read-namespace';

export const AUTH_MODES = ['none', 'api-key', 'jwt'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

/** Signature algorithms accepted from an asymmetric key (JWKS or PEM); HS256 only ever with JWT_SECRET, never `none`. */
export type AsymmetricAlgorithm = 'RS256' | 'PS256' | 'ES256' | 'EdDSA';
export const JWKS_ALGORITHMS: readonly AsymmetricAlgorithm[] = ['RS256', 'PS256', 'ES256', 'EdDSA'];

/** RFC 7518 3.2: an HS256 key must be at least as long as the hash. */
export const MIN_JWT_SECRET_LENGTH = 32;

const KEY_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;
// Printable ASCII without the quote and the backslash, so that the name can appear in a WWW-Authenticate description.
const CLAIM_NAME = /^[\x21\x23-\x5b\x5d-\x7e]{1,256}$/;
const LOOPBACK_HOSTS = new Set(['localhost', '[::1]']);
const KEY_SOURCES = ['JWT_JWKS_URL', 'JWT_PUBLIC_KEY', 'JWT_SECRET'] as const;
const CREDENTIAL_VARIABLES = ['API_KEYS', 'JWT_JWKS_URL', 'JWT_PUBLIC_KEY', 'JWT_SECRET', 'JWT_ISSUER', 'JWT_AUDIENCE'];

/** One configured key: its name (the namespace of its users; several keys may share one) and the SHA-256 of the key itself. */
export interface ApiKeyHash {
  name: string;
  sha256: Buffer;
}

export type JwtKeySource =
  | { kind: 'jwks'; url: URL }
  | { kind: 'public-key'; pem: string; algorithms: readonly AsymmetricAlgorithm[] }
  | { kind: 'secret'; secret: string };

export interface JwtSettings {
  keySource: JwtKeySource;
  issuer: string;
  audience: string;
  /** The claim that names the user; its value must satisfy the user_id rule. */
  userClaim: string;
}

export type AuthConfig = { mode: 'none' } | { mode: 'api-key'; keys: readonly ApiKeyHash[] } | { mode: 'jwt'; jwt: JwtSettings };

export function parseAuthConfig(env: EnvReader): AuthConfig {
  const mode = parseMode(env);
  // Parsed in every mode so that a mistake is reported even while it is unused.
  const keys = parseApiKeys(env);
  const keySource = parseKeySource(env);
  const issuer = env.optionalString('JWT_ISSUER');
  const audience = env.optionalString('JWT_AUDIENCE');
  const userClaim = env.string('JWT_USER_CLAIM', 'sub');
  if (!CLAIM_NAME.test(userClaim)) env.problem('JWT_USER_CLAIM', 'must be a claim name (printable ASCII, no spaces, quotes or backslashes)');

  switch (mode) {
    case undefined:
    case 'none':
      return { mode: 'none' };
    case 'api-key':
      if (env.optionalString('API_KEYS') === undefined) env.problem('API_KEYS', 'must list at least one NAME:SHA256HEX when AUTH_MODE=api-key');
      return { mode, keys };
    case 'jwt':
      if (!KEY_SOURCES.some((name) => env.optionalString(name) !== undefined)) env.problem('JWT_JWKS_URL', 'or JWT_PUBLIC_KEY or JWT_SECRET is required when AUTH_MODE=jwt');
      if (issuer === undefined) env.problem('JWT_ISSUER', 'is required when AUTH_MODE=jwt');
      if (audience === undefined) env.problem('JWT_AUDIENCE', 'is required when AUTH_MODE=jwt');
      return { mode, jwt: { keySource: keySource ?? { kind: 'secret', secret: '' }, issuer: issuer ?? '', audience: audience ?? '', userClaim } };
  }
}

function parseMode(env: EnvReader): AuthMode | undefined {
  if (env.optionalString('AUTH_MODE') !== undefined) return env.optionalChoice('AUTH_MODE', AUTH_MODES);
  if (env.optionalString('NODE_ENV')?.toLowerCase() === 'production') {
    // A deployment must never be open to everyone by accident.
    env.problem('AUTH_MODE', 'must be set with NODE_ENV=production (none, api-key or jwt)');
    return undefined;
  }
  const configured = CREDENTIAL_VARIABLES.filter((name) => env.optionalString(name) !== undefined);
  if (configured.length > 0) {
    // Credentials without a mode would be ignored by the default `none`: an open service the operator believes closed.
    env.problem('AUTH_MODE', `must be set when ${configured.join(', ')} ${configured.length === 1 ? 'is' : 'are'} set (the default none ignores them)`);
  }
  return 'none';
}

function parseApiKeys(env: EnvReader): ApiKeyHash[] {
  const raw = env.optionalString('API_KEYS');
  if (raw === undefined) return [];
  const keys: ApiKeyHash[] = [];
  const entries = raw.split(',').map((entry) => entry.trim());
  entries.forEach((entry, index) => {
    const colon = entry.indexOf(':');
    const name = colon < 0 ? '' : entry.slice(0, colon);
    const hash = colon < 0 ? '' : entry.slice(colon + 1);
    // The position, never the entry: a raw key pasted here by mistake must not be printed.
    if (!KEY_NAME.test(name) || !SHA256_HEX.test(hash)) {
      env.problem('API_KEYS', `entry ${index + 1} must be NAME:SHA256HEX (NAME of 1 to 64 of A-Z a-z 0-9 _ -, then 64 hex digits)`);
      return;
    }
    keys.push({ name, sha256: Buffer.from(hash, 'hex') });
  });
  // One name may hold several keys (rotation keeps its users); one key under two names would make its users ambiguous.
  if (new Set(keys.map((key) => key.sha256.toString('hex'))).size !== keys.length) {
    env.problem('API_KEYS', 'must not list one hash under two names (its users would belong to either)');
  }
  return keys;
}

function parseKeySource(env: EnvReader): JwtKeySource | undefined {
  const url = env.optionalString('JWT_JWKS_URL');
  const pem = env.optionalString('JWT_PUBLIC_KEY');
  const secret = env.optionalString('JWT_SECRET');
  const given = KEY_SOURCES.filter((_name, index) => [url, pem, secret][index] !== undefined);
  if (given.length > 1) env.problem(given[1], `must not be set together with ${given[0]}: choose one key source`);
  if (url !== undefined) return parseJwksUrl(env, url);
  if (pem !== undefined) return parsePublicKey(env, pem);
  if (secret === undefined) return undefined;
  if (secret.length < MIN_JWT_SECRET_LENGTH) env.problem('JWT_SECRET', `must be at least ${MIN_JWT_SECRET_LENGTH} characters (HS256 needs a 256-bit key)`);
  return { kind: 'secret', secret };
}

function parseJwksUrl(env: EnvReader, raw: string): JwtKeySource | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    env.problem('JWT_JWKS_URL', 'must be an https:// URL');
    return undefined;
  }
  const loopback = LOOPBACK_HOSTS.has(url.hostname) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    env.problem('JWT_JWKS_URL', 'must be an https:// URL (http:// only on a loopback host)');
  }
  if (url.username !== '' || url.password !== '') env.problem('JWT_JWKS_URL', 'must not carry a user name or password');
  return { kind: 'jwks', url };
}

function parsePublicKey(env: EnvReader, raw: string): JwtKeySource | undefined {
  // One-line environments often carry the PEM's line breaks as literal \n.
  const pem = raw.replace(/\\n/g, '\n');
  let key: KeyObject | undefined;
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    try {
      key = createPublicKey(pem);
    } catch {
      key = undefined;
    }
  }
  const algorithms = key === undefined ? undefined : algorithmsOf(key);
  if (algorithms === undefined) {
    env.problem('JWT_PUBLIC_KEY', 'must be a PEM public key (RSA, EC P-256 or Ed25519; never a private key)');
    return undefined;
  }
  return { kind: 'public-key', pem, algorithms };
}

/** The allow-list follows the key: an RSA key verifies RS256 and PS256 only, so an HS256 token is never checked against it. */
export function algorithmsOf(key: KeyObject): readonly AsymmetricAlgorithm[] | undefined {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return ['RS256', 'PS256'];
    case 'rsa-pss':
      return ['PS256'];
    case 'ec':
      return key.asymmetricKeyDetails?.namedCurve === 'prime256v1' ? ['ES256'] : undefined;
    case 'ed25519':
      return ['EdDSA'];
    default:
      return undefined;
  }
}

export const authConfig = registerAs('auth', () => parseNamespace(process.env, parseAuthConfig));
