import type { UserKey } from '../auth/user-key';
import type { AssistantMode } from '../config/openai.config';

/** A user's upstream conversation (or thread), with the assistant mode it belongs to. */
export interface ThreadRecord {
  threadId: string;
  mode: AssistantMode;
  /** Unix time in milliseconds. */
  createdAt: number;
}

/** Persists user -> thread. An adapter resolves a change only once it is durable. */
export abstract class ThreadStore {
  abstract get(user: UserKey): Promise<ThreadRecord | undefined>;
  /**
   * Makes `record` the user's mapping if the user has none, or if it is still the
   * one the caller saw (`expectedThreadId`), and returns the durable mapping that
   * holds afterwards: `record`, or the one another process stored first.
   */
  abstract swap(user: UserKey, expectedThreadId: string | undefined, record: ThreadRecord): Promise<ThreadRecord>;
  /** Removes the user's mapping and returns what it was. */
  abstract delete(user: UserKey): Promise<ThreadRecord | undefined>;
  /** Throws when the store cannot take writes now. */
  abstract checkHealth(): Promise<void>;
  /** Settles once every accepted change is durable. */
  abstract flush(): Promise<void>;
}
