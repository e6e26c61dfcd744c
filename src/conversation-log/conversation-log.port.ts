/** One question and its answer, as the log file stores it. */
export interface Exchange {
  user: string;
  bot: string;
  /** Unix time in seconds, milliseconds as the fraction. */
  timestamp: number;
}

/** Where exchanges are kept. An adapter resolves `append` only once the exchange is durable. */
export abstract class ConversationLogStore {
  abstract append(userId: string, exchange: Exchange): Promise<void>;
  /** The user's exchanges, oldest first; empty for an unknown user. */
  abstract history(userId: string): Promise<readonly Exchange[]>;
  /** Throws when the store cannot take writes now. */
  abstract assertWritable(): Promise<void>;
  /** Settles once every accepted append is durable. */
  abstract flush(): Promise<void>;
}
