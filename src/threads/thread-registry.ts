import { Injectable } from '@nestjs/common';
import { AssistantService, type TurnOptions } from '../assistant/assistant.port';
import { type ThreadRecord, ThreadStore } from './thread-store.port';

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

  /** The user's conversation, started (and on disk) first if there is none. */
  async threadFor(userId: string, options: TurnOptions = {}): Promise<string> {
    const record = await this.store.get(userId);
    if (record !== undefined && record.mode === this.assistant.mode) return record.threadId;
    return this.startThread(userId, options);
  }

  /** Starts a new conversation for the user, replacing any earlier one. */
  async startThread(userId: string, options: TurnOptions = {}): Promise<string> {
    const threadId = await this.assistant.createThread(options);
    await this.store.set(userId, { threadId, mode: this.assistant.mode, createdAt: Date.now() });
    return threadId;
  }

  /** Forgets the user's conversation and returns what it was. */
  async forget(userId: string): Promise<ThreadRecord | undefined> {
    const record = await this.store.get(userId);
    await this.store.delete(userId);
    return record;
  }
}
