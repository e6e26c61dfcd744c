import type { AssistantMode } from '../config/openai.config';

/** A user's upstream conversation (or thread), with the assistant mode it belongs to. */
export interface ThreadRecord {
  threadId: string;
  mode: AssistantMode;
  /** Unix time in milliseconds. */
  createdAt: number;
}

/** Persists user -> thread. An adapter resolves `set` and `delete` only once the change is durable. */
export abstract class ThreadStore {
  abstract get(userId: string): Promise<ThreadRecord | undefined>;
  abstract set(userId: string, record: ThreadRecord): Promise<void>;
  abstract delete(userId: string): Promise<void>;
  /** Throws when the store cannot take writes now. */
  abstract assertWritable(): Promise<void>;
  /** Settles once every accepted change is durable. */
  abstract flush(): Promise<void>;
}
