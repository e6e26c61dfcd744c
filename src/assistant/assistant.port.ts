import type { AssistantMode } from '../config/openai.config';

export interface TurnOptions {
  /** Fires when nobody waits for the answer any more; the adapter then stops the upstream work. */
  signal?: AbortSignal;
}

export interface StreamTurnOptions extends TurnOptions {
  /** Called with each piece of the answer as it is written. */
  onDelta: (text: string) => void;
}

/**
 * The assistant backend: one conversation ("thread") per user, one answer per
 * message. Adapters throw only `AssistantError`.
 */
export abstract class AssistantService {
  abstract readonly mode: AssistantMode;

  /** Starts a conversation and returns its id. */
  abstract createThread(options?: TurnOptions): Promise<string>;

  /** Adds `message` to the conversation and returns the whole answer. */
  abstract answer(threadId: string, message: string, options?: TurnOptions): Promise<string>;

  /** Like `answer`, handing out the answer piece by piece while it is written. */
  abstract streamAnswer(threadId: string, message: string, options: StreamTurnOptions): Promise<string>;

  /** Deletes the conversation upstream. */
  abstract deleteThread(threadId: string): Promise<void>;
}
