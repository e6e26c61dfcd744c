import type { AssistantMode } from '../config/openai.config';

/** Tokens one turn cost, as the upstream reported them (the shape of the API's body and of the log). */
export interface TokenUsage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
}

/** Model parameters for one turn; what is unset falls back to the configuration. */
export interface ModelSettings {
  model?: string;
  temperature?: number;
  maxOutputTokens?: number;
}

export interface TurnRequest {
  threadId: string;
  message: string;
  settings?: ModelSettings;
  /** Fires when nobody waits for the answer any more; the adapter then stops the upstream work and takes the turn back. */
  signal?: AbortSignal;
  /** When given, the answer is streamed: called with each piece as it is written. */
  onDelta?: (text: string) => void;
}

/** What a turn added upstream, so that a turn that is not acknowledged can be taken back out of the model's memory. */
export interface TurnReceipt {
  threadId: string;
  /** Ids of the items or messages the turn is known to have added. */
  addedIds: readonly string[];
  /** The question as sent, to recognise its item where the upstream did not say its id. */
  message: string;
}

export interface TurnAnswer {
  text: string;
  /** The model that answered, when the upstream says. */
  model: string | undefined;
  usage: TokenUsage | undefined;
  receipt: TurnReceipt;
}

/**
 * The assistant backend: one conversation ("thread") per user, one answer per
 * message. Adapters throw only `AssistantError`. A turn that fails inside the
 * adapter leaves nothing behind upstream; one that the caller cannot
 * acknowledge is taken back with `discardTurn`.
 */
export abstract class AssistantService {
  abstract readonly mode: AssistantMode;

  /** Starts a conversation and returns its id. */
  abstract createThread(signal?: AbortSignal): Promise<string>;

  /** Adds the message to the conversation and returns the whole answer. */
  abstract answer(request: TurnRequest): Promise<TurnAnswer>;

  /** Removes what `answer` added to the conversation. */
  abstract discardTurn(receipt: TurnReceipt): Promise<void>;

  /** Deletes the conversation upstream. */
  abstract deleteThread(threadId: string): Promise<void>;
}
