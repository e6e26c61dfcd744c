import type { Principal } from './principal';

/** The two headers a credential may come in; raw, as the client sent them. */
export interface CredentialHeaders {
  authorization: string | undefined;
  apiKey: string | undefined;
}

/**
 * Turns a request's credentials into a principal, one implementation per
 * AUTH_MODE. Refusals are 401 ServiceErrors (see errors/auth.error.ts) whose
 * messages never quote the credential.
 */
export abstract class Authenticator {
  /** False only for AUTH_MODE=none, where every request is the open principal and headers are not read. */
  abstract readonly requiresCredentials: boolean;

  abstract authenticate(headers: CredentialHeaders): Promise<Principal>;
}
