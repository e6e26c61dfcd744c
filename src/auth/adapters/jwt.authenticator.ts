import { errors, type JWTPayload, jwtVerify, type JWTVerifyOptions } from 'jose';
import { USER_ID_PATTERN } from '../../chat/dto/user-id.rule';
import { ServiceError } from '../../common/errors/service.error';
import type { JwtSettings } from '../../config/auth.config';
import { Authenticator, type CredentialHeaders } from '../authenticator.port';
import { bearerCredential } from '../credential-headers';
import { unauthenticated } from '../errors/auth.error';
import { Principal } from '../principal';
import { DEFAULT_JWKS_OPTIONS, type JwksOptions, type VerificationKey, verificationKeyOf } from './jwt-key.resolver';

/** exp and nbf are checked with this much leeway for clocks that disagree. */
export const CLOCK_TOLERANCE_SECONDS = 30;

export interface JwtAuthenticatorOptions {
  jwks?: Partial<JwksOptions>;
  /** Milliseconds since the epoch; tests fix it. */
  now?: () => number;
}

/**
 * AUTH_MODE=jwt: a bearer token checked by jose against the configured key,
 * issuer and audience, with `exp` required. The user is the configured claim.
 */
export class JwtAuthenticator extends Authenticator {
  readonly requiresCredentials = true;
  private readonly key: VerificationKey;
  private readonly now: () => number;

  constructor(
    private readonly settings: JwtSettings,
    options: JwtAuthenticatorOptions = {},
  ) {
    super();
    this.key = verificationKeyOf(settings.keySource, { ...DEFAULT_JWKS_OPTIONS, ...options.jwks });
    this.now = options.now ?? Date.now;
  }

  async authenticate({ authorization }: CredentialHeaders): Promise<Principal> {
    const token = bearerCredential(authorization);
    if (token === undefined) throw unauthenticated('A bearer token is required: send Authorization: Bearer TOKEN');
    const payload = await this.verify(token);
    const { userClaim } = this.settings;
    const user = payload[userClaim];
    if (user === undefined) throw unauthenticated(`The token has no ${userClaim} claim`, 'invalid_token');
    if (typeof user !== 'string' || !USER_ID_PATTERN.test(user)) {
      throw unauthenticated(`The token's ${userClaim} claim is not a valid user_id`, 'invalid_token');
    }
    return Principal.tokenHolder(user);
  }

  private async verify(token: string): Promise<JWTPayload> {
    const options: JWTVerifyOptions = {
      algorithms: this.key.algorithms,
      issuer: this.settings.issuer,
      audience: this.settings.audience,
      requiredClaims: ['exp'],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      currentDate: new Date(this.now()),
    };
    try {
      const { payload } = this.key.kind === 'resolver' ? await jwtVerify(token, this.key.resolve, options) : await jwtVerify(token, this.key.key, options);
      return payload;
    } catch (error) {
      throw refusalOf(error);
    }
  }
}

/** jose's verdict in the service's words: fixed sentences, nothing from the token. */
function refusalOf(error: unknown): unknown {
  if (error instanceof ServiceError || !(error instanceof errors.JOSEError)) return error;
  const invalid = (message: string) => unauthenticated(message, 'invalid_token');
  if (error instanceof errors.JWTExpired) return invalid('The token has expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'exp') return invalid('The token has no valid expiry (exp)');
    if (error.claim === 'nbf') return invalid('The token is not valid yet');
    if (error.claim === 'iss') return invalid("The token's issuer is not accepted");
    if (error.claim === 'aud') return invalid("The token's audience is not accepted");
    return invalid("The token's claims are not valid");
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) return invalid("The token's algorithm is not accepted");
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) return invalid("The token's signing key is not known");
  if (error instanceof errors.JWSSignatureVerificationFailed) return invalid("The token's signature is not valid");
  return invalid('The token is malformed');
}
