import type { Request } from 'express';
import type { CredentialHeaders } from './authenticator.port';
import { unauthenticated } from './errors/auth.error';

/** `Bearer` and a credential of visible ASCII (RFC 6750's b64token, and any key an operator generates). */
const BEARER = /^Bearer +([\x21-\x7e]+) *$/i;
const CREDENTIAL = /^[\x21-\x7e]+$/;

export function credentialHeadersOf(req: Request): CredentialHeaders {
  return { authorization: req.get('authorization'), apiKey: req.get('x-api-key') };
}

/**
 * The bearer credential of an Authorization header; undefined when there is
 * none or it uses another scheme (a client unaware of ours gets the plain
 * challenge, RFC 6750 3.1). A `Bearer` header without a sane credential is malformed.
 */
export function bearerCredential(authorization: string | undefined): string | undefined {
  if (authorization === undefined || !/^bearer(\s|$)/i.test(authorization.trim())) return undefined;
  const match = BEARER.exec(authorization.trim());
  if (match === null) throw unauthenticated('The Authorization header must be Bearer followed by one credential', 'invalid_request');
  return match[1];
}

/** The API key of a request: `Authorization: Bearer KEY` or `X-API-Key: KEY`; both may come only if they agree. */
export function presentedApiKey({ authorization, apiKey }: CredentialHeaders): string {
  const bearer = bearerCredential(authorization);
  const header = apiKey?.trim();
  if (header !== undefined && !CREDENTIAL.test(header)) throw unauthenticated('The X-API-Key header must hold one key', 'invalid_request');
  if (bearer !== undefined && header !== undefined && bearer !== header) {
    throw unauthenticated('Authorization and X-API-Key carry different keys', 'invalid_request');
  }
  const key = bearer ?? header;
  if (key === undefined) throw unauthenticated('An API key is required: send Authorization: Bearer KEY or X-API-Key: KEY');
  return key;
}
