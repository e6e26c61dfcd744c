/**
 * A user as the stores, the turn lock and the rate limit know them: the id the
 * client uses, inside the namespace of the credentials it came with. The same
 * `user_id` under two API keys is two users. Stores keep the namespace apart
 * from the id (a column in SQL), never parsed out of one string.
 */
export interface UserKey {
  /** '' without authentication; `key:NAME` for an API key; `jwt` for tokens. */
  readonly namespace: string;
  readonly userId: string;
}

/** The namespace of unauthenticated requests; the JSON files key these users by their bare id, as the seed did. */
export const OPEN_NAMESPACE = '';

/**
 * One string per user for in-memory maps and the JSON files' keys. A user id
 * never contains `/` (see the user id rule) and neither does a namespace, so the
 * split is unambiguous.
 */
export function userKeyString({ namespace, userId }: UserKey): string {
  return namespace === OPEN_NAMESPACE ? userId : `${namespace}/${userId}`;
}

export function parseUserKeyString(key: string): UserKey {
  const slash = key.indexOf('/');
  return slash < 0 ? { namespace: OPEN_NAMESPACE, userId: key } : { namespace: key.slice(0, slash), userId: key.slice(slash + 1) };
}
