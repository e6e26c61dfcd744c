import { Timers } from './http';
import type { AbortedStreamJoins, AssistantDefaults, FakeConversation, FakeRun, FakeThread, ReportedUsage } from './types';

/** Everything the routes share; the server class exposes parts of it as its public API. */
export class FakeState {
  readonly conversations = new Map<string, FakeConversation>();
  readonly threads = new Map<string, FakeThread>();
  readonly runs = new Map<string, FakeRun>();
  readonly timers = new Timers();
  latencyMs = 0;
  runDurationMs = 0;
  streamDeltaDelayMs = 0;
  stopping = false;
  abortedStreamJoins: AbortedStreamJoins = 'nothing';
  /** undefined: every model exists. */
  knownModels: Set<string> | undefined = undefined;
  assistantDefaults: AssistantDefaults = { model: 'gpt-4o', temperature: 1 };
  readonly firstDeltaSentAt: number[] = [];
  readonly reportedUsage: ReportedUsage[] = [];

  private readonly inFlight = new Map<string, number>();
  private maxInFlight = 0;

  answerFor(input: string, turn: number): string {
    return `Echo ${turn}: ${input}`;
  }

  knowsModel(model: string): boolean {
    return this.knownModels?.has(model) ?? true;
  }

  /** Marks one /v1/responses request on the conversation as in flight; returns how many were already. */
  enterConversation(conversationId: string): number {
    const before = this.inFlight.get(conversationId) ?? 0;
    this.inFlight.set(conversationId, before + 1);
    this.maxInFlight = Math.max(this.maxInFlight, before + 1);
    return before;
  }

  leaveConversation(conversationId: string): void {
    const left = (this.inFlight.get(conversationId) ?? 1) - 1;
    if (left > 0) this.inFlight.set(conversationId, left);
    else this.inFlight.delete(conversationId);
  }

  maxConcurrentPerConversation(): number {
    return this.maxInFlight;
  }

  liveConversation(id: string | undefined): FakeConversation | undefined {
    const conversation = id === undefined ? undefined : this.conversations.get(id);
    return conversation && !conversation.deleted ? conversation : undefined;
  }

  liveThread(id: string | undefined): FakeThread | undefined {
    const thread = id === undefined ? undefined : this.threads.get(id);
    return thread && !thread.deleted ? thread : undefined;
  }

  reset(): void {
    this.timers.clearAll();
    this.conversations.clear();
    this.threads.clear();
    this.runs.clear();
    this.inFlight.clear();
    this.maxInFlight = 0;
    this.firstDeltaSentAt.length = 0;
    this.reportedUsage.length = 0;
  }
}
