import { Authenticator } from '../authenticator.port';
import { Principal } from '../principal';

/** AUTH_MODE=none: everyone is the open principal, and the user is whatever user_id the client sends. */
export class OpenAuthenticator extends Authenticator {
  readonly requiresCredentials = false;

  async authenticate(): Promise<Principal> {
    return Principal.OPEN;
  }
}
