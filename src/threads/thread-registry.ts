import { Injectable, Logger } from '@nestjs/common';
import { AssistantService } from '../assistant/assistant.port';
import { AssistantErrorCode, isAssistantError } from '../assistant/errors/assistant.error';
import type { UserKey } from '../auth/user-key';
import type { TurnTiming } from '../chat/turn-timing';
import { MetricsService } from '../metrics/metrics.service';
import { type ThreadRecord, ThreadStore } from './thread-store.port';

/**
 * Owns the whole life of a user's upstream conversation: finds it, starts it,
 * saves the mapping, replaces one the upstream lost, and resets it. A
 * conversation made in another assistant mode is never reused: its id means
 * nothing to this mode's API. Callers hold the user's turn lock.
 */
@Injectable()
export class ThreadRegistry {
  private readonly logger = new Logger(ThreadRegistry.name);

  constructor(
    private readonly store: ThreadStore,
    private readonly assistant: AssistantService,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * Runs `ask` on the user's conversation, starting one first if there is none.
   * A new conversation's mapping is durable before `ask` runs, so an answer is
   * never sent on a conversation that a restart would forget. One the upstream
   * no longer knows is replaced once, transparently.
   */
  async withThread<T>(
    user: UserKey,
    signal: AbortSignal | undefined,
    ask: (threadId: string) => Promise<T>,
    timing?: TurnTiming,
  ): Promise<{ threadId: string; result: T }> {
    const stored = await this.store.get(user);
    const thread = stored?.mode === this.assistant.mode ? stored : await this.start(user, stored, signal, timing);
    try {
      return { threadId: thread.threadId, result: await ask(thread.threadId) };
    } catch (error) {
      if (!isAssistantError(error, AssistantErrorCode.THREAD_NOT_FOUND)) throw error;
      this.logger.warn(`conversation ${thread.threadId} is gone upstream; starting a new one`);
      const replacement = await this.start(user, thread, signal, timing);
      return { threadId: replacement.threadId, result: await ask(replacement.threadId) };
    }
  }

  /** Forgets the user's conversation; the next message starts a new one. The upstream one is deleted, best effort. */
  async reset(user: UserKey): Promise<void> {
    const record = await this.metrics.storeWriting('thread_store', () => this.store.delete(user));
    if (record === undefined || record.mode !== this.assistant.mode) return;
    // The mapping is gone either way, so a leftover upstream conversation is only clutter.
    await this.assistant.deleteThread(record.threadId).catch((error: unknown) => {
      this.logger.warn(`could not delete conversation ${record.threadId} upstream: ${describe(error)}`);
    });
  }

  /**
   * Starts a conversation and stores it in place of `replacing`. If another
   * process stored one first, theirs is used and ours is dropped, so a user
   * never ends up with two.
   */
  private async start(user: UserKey, replacing: ThreadRecord | undefined, signal: AbortSignal | undefined, timing?: TurnTiming): Promise<ThreadRecord> {
    const create = (): Promise<string> => this.assistant.createThread(signal);
    const threadId = await (timing === undefined ? create() : timing.upstream(create));
    const mine: ThreadRecord = { threadId, mode: this.assistant.mode, createdAt: Date.now() };
    const holding = await this.metrics.storeWriting('thread_store', () => this.store.swap(user, replacing?.threadId, mine));
    if (holding.threadId === threadId) return holding;
    this.logger.warn(`another process stored a conversation for this user first; dropping ${threadId}`);
    void this.assistant.deleteThread(threadId).catch(() => undefined);
    // Theirs, unless it belongs to another mode: then it is replaced, as after a mode switch.
    return holding.mode === this.assistant.mode ? holding : this.start(user, holding, signal, timing);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
