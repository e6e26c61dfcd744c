import type { TokenUsage } from '../assistant/assistant.port';
import type { UserKey } from '../auth/user-key';

/** One question and its answer, as the log stores it. */
export interface Exchange {
  user: string;
  bot: string;
  /** Unix time in seconds, milliseconds as the fraction. */
  timestamp: number;
  /** The model that answered, when known. */
  model?: string;
  /** What the turn cost, when the upstream reported it. */
  usage?: TokenUsage;
}

export interface HistoryQuery {
  /** At most this many exchanges, the newest of those before `before`. */
  limit: number;
  /** A cursor from an earlier page's `nextBefore`: only exchanges older than it. */
  before?: number;
}

export interface HistoryPage {
  /** Oldest first. */
  exchanges: Exchange[];
  /** The cursor of the page before this one; undefined when there is none. */
  nextBefore: number | undefined;
}

/**
 * Where exchanges are kept. An adapter resolves a change only once it is
 * durable. A page's cursor is the position of an exchange in an order that only
 * grows (an index per user, or a row id), so a store can serve "the newest N
 * before X" from an index without skipping over the rows it does not return.
 */
export abstract class ConversationLogStore {
  abstract append(user: UserKey, exchange: Exchange): Promise<void>;
  abstract page(user: UserKey, query: HistoryQuery): Promise<HistoryPage>;
  /** Removes every exchange of the user. */
  abstract erase(user: UserKey): Promise<void>;
  /** Every user's exchanges, one user at a time, oldest first: an export that never holds the whole log. */
  abstract users(): AsyncIterable<{ user: UserKey; exchanges: Exchange[] }>;
  /** Adds the exchanges the user does not have yet (same texts and timestamp); returns how many were added. */
  abstract importExchanges(user: UserKey, exchanges: readonly Exchange[]): Promise<number>;
  /** Throws when the store cannot take writes now. */
  abstract checkHealth(): Promise<void>;
  /** Settles once every accepted change is durable. */
  abstract flush(): Promise<void>;
}
