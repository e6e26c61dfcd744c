import { Injectable } from '@nestjs/common';
import { AssistantService, type TurnOptions } from '../assistant/assistant.port';
import { type ThreadRecord, ThreadStore } from './thread-store.port';

/** A user's conversation, and when its mapping is durable. */
export interface UserThread {
  threadId: string;
  /**
   * Settles once the mapping is on disk (at once for a known conversation). A new
   * conversation's first question goes upstream while the mapping is written;
   * the caller awaits this before it answers.
   */
  saved: Promise<void>;
}

/**
 * user -> upstream conversation. A conversation made in another assistant mode
 * is never reused: its id means nothing to this mode's API. Callers serialise
 * calls per user (see TurnQueue), so a user never gets two new conversations.
 */
@Injectable()
export class ThreadRegistry {
  constructor(
    private readonly store: ThreadStore,
    private readonly assistant: AssistantService,
  ) {}

  /** The user's conversation, started first if there is none. */
  async threadFor(userId: string, options: TurnOptions = {}): Promise<UserThread> {
    const record = await this.store.get(userId);
    if (record !== undefined && record.mode === this.assistant.mode) return { threadId: record.threadId, saved: Promise.resolve() };
    return this.startThread(userId, options);
  }

  /** Starts a new conversation for the user, replacing any earlier one. */
  async startThread(userId: string, options: TurnOptions = {}): Promise<UserThread> {
    const threadId = await this.assistant.createThread(options);
    const saved = this.store.set(userId, { threadId, mode: this.assistant.mode, createdAt: Date.now() });
    // Whoever awaits `saved` sees a failure; this only keeps a turn that failed first from leaving it unhandled.
    saved.catch(() => undefined);
    return { threadId, saved };
  }

  /** Forgets the user's conversation and returns what it was. */
  async forget(userId: string): Promise<ThreadRecord | undefined> {
    const record = await this.store.get(userId);
    await this.store.delete(userId);
    return record;
  }
}
