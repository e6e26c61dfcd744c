import type { UserKey } from '../../auth/user-key';

/** Every replica's lock listens here; a message names the user (`TurnKeys.id`) whose line may move. */
export const TURN_WAKE_CHANNEL = 'chat:turn:wake';

/** The Redis keys of one user's turns. */
export interface TurnKeys {
  /** The user, encoded: unambiguous, reversible, and free of the `{}` of cluster hash tags. */
  id: string;
  /** String: the holder's token, expiring unless renewed. */
  lease: string;
  /** Sorted set: waiting tokens by ticket number, in arrival order. */
  line: string;
  /** Sorted set: waiting tokens by the Redis time (ms) at which their place expires unless renewed. */
  alive: string;
}

/**
 * Both parts of the user key go in, JSON-encoded so that a ':' or '/' in
 * either part cannot make two users one; base64url keeps the result plain.
 * The braces are a hash tag: a user's keys share a cluster slot, as their
 * scripts require.
 */
export function turnKeys(user: UserKey): TurnKeys {
  const id = Buffer.from(JSON.stringify([user.namespace, user.userId])).toString('base64url');
  const prefix = `chat:turn:{${id}}`;
  return { id, lease: `${prefix}:lease`, line: `${prefix}:line`, alive: `${prefix}:alive` };
}
