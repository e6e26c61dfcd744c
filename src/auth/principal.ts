import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../common/errors/error-code';
import { ServiceError } from '../common/errors/service.error';
import { USER_ID_PATTERN, USER_ID_PATTERN_MESSAGE, USER_ID_TYPE_MESSAGE } from '../chat/dto/user-id.rule';
import { forbidden } from './errors/auth.error';
import { OPEN_NAMESPACE, type UserKey } from './user-key';

export type PrincipalKind = 'open' | 'api-key' | 'jwt';

/**
 * What to do when a request leaves out `user_id`: a chat turn starts a new
 * anonymous user; reading, resetting or erasing a user needs to know which
 * (except with a token, which names its user).
 */
export type WhenAbsent = 'anonymous' | 'required';

/** The namespace of every token user: one identity provider, one set of users. */
export const JWT_NAMESPACE = 'jwt';

/** Who is calling, as the auth guard established it. Controllers get it from `@Caller()`. */
export class Principal {
  static readonly OPEN = new Principal('open', OPEN_NAMESPACE, undefined);

  private constructor(
    readonly kind: PrincipalKind,
    /** The namespace of the users this caller may act as (see UserKey). */
    readonly namespace: string,
    /** The user a token names; a caller with a token acts as that user only. */
    readonly tokenUser: string | undefined,
  ) {}

  /** A trusted back end holding the key called `name`; it acts for users of its own namespace. */
  static apiKey(name: string): Principal {
    return new Principal('api-key', `key:${name}`, undefined);
  }

  /** A token's user; `userId` must already satisfy the user_id rule. */
  static tokenHolder(userId: string): Principal {
    return new Principal('jwt', JWT_NAMESPACE, userId);
  }

  /**
   * The user a request acts on. With a token it is the token's user, and a
   * `user_id` naming anyone else is refused (403); otherwise it is the
   * `user_id` sent, inside this caller's namespace.
   */
  resolveUser(requested: string | undefined, whenAbsent: WhenAbsent): UserKey {
    if (requested !== undefined && !USER_ID_PATTERN.test(requested)) {
      throw new ServiceError(ErrorCode.VALIDATION_FAILED, [USER_ID_PATTERN_MESSAGE]);
    }
    if (this.tokenUser !== undefined) {
      if (requested !== undefined && requested !== this.tokenUser) throw forbidden("user_id names another user than the token's");
      return { namespace: this.namespace, userId: this.tokenUser };
    }
    if (requested !== undefined) return { namespace: this.namespace, userId: requested };
    // Two clients that send no user_id never share a conversation.
    if (whenAbsent === 'anonymous') return { namespace: this.namespace, userId: `anon-${randomUUID()}` };
    // What the validation pipe says about a missing required user_id, so that AUTH_MODE=none answers as before.
    throw new ServiceError(ErrorCode.VALIDATION_FAILED, [USER_ID_TYPE_MESSAGE, USER_ID_PATTERN_MESSAGE]);
  }
}
