import { type CryptoKey, exportJWK, exportSPKI, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';

export type AsymmetricAlg = 'RS256' | 'PS256' | 'ES256' | 'EdDSA';

/** Claims a test token starts from; `now` is in seconds. Tests override or delete what they check. */
export function claimsAt(now: number, extra: JWTPayload = {}): JWTPayload {
  return { iss: 'https://idp.test/', aud: 'chat-backend', sub: 'alice', iat: now, exp: now + 300, ...extra };
}

/** A key pair the tests sign with, as an identity provider would; the public half goes into the JWKS server. */
export class SigningKey {
  private constructor(
    readonly alg: AsymmetricAlg,
    readonly kid: string,
    private readonly privateKey: CryptoKey,
    private readonly publicKey: CryptoKey,
  ) {}

  static async generate(alg: AsymmetricAlg, kid: string): Promise<SigningKey> {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    return new SigningKey(alg, kid, privateKey, publicKey);
  }

  async publicJwk(): Promise<JWK> {
    return { ...(await exportJWK(this.publicKey)), kid: this.kid, alg: this.alg, use: 'sig' };
  }

  publicPem(): Promise<string> {
    return exportSPKI(this.publicKey);
  }

  /** Signs `claims` as they are (no defaults added), with this key's alg and kid unless `header` says otherwise. */
  sign(claims: JWTPayload, header: { kid?: string } = {}): Promise<string> {
    return new SignJWT(claims).setProtectedHeader({ alg: this.alg, kid: this.kid, typ: 'JWT', ...header }).sign(this.privateKey);
  }
}

/** An HS256 token; also how an attacker signs with a public key's PEM as the HMAC secret. */
export function signHs256(claims: JWTPayload, secret: string, header: { kid?: string } = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT', ...header }).sign(new TextEncoder().encode(secret));
}

/** A token with `alg: none` and an empty signature, built by hand because jose refuses to make one. */
export function unsignedToken(claims: JWTPayload): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}
