import type { IncomingHttpHeaders } from 'node:http';

/** Request JSON as the client sent it, read field by field. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped wire JSON
export type JsonBody = Record<string, any>;

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, or undefined when there was none. */
  body: JsonBody | undefined;
  /** The client went away before the fake finished answering. */
  aborted: boolean;
}

export interface ChatText {
  id: string;
  role: 'user' | 'assistant';
  text: string;
  created_at: number;
}

/** A message item of a conversation; a partial answer left by an aborted stream is 'incomplete'. */
export interface ConversationItem extends ChatText {
  status: 'completed' | 'incomplete';
}

export interface FakeConversation {
  id: string;
  created_at: number;
  metadata: Record<string, string>;
  items: ConversationItem[];
  deleted?: boolean;
}

/**
 * What a streamed response that would have completed leaves in its conversation when its
 * connection ends early (client abort or stream-break fault). The real API does not say, so
 * tests choose: 'nothing', the user 'input', or the input plus the output item as far as it
 * was streamed ('input-and-partial-output', status incomplete).
 */
export type AbortedStreamJoins = 'nothing' | 'input' | 'input-and-partial-output';

/** Token usage as the fake put it on the wire: words stand in for tokens. */
export interface ReportedUsage {
  kind: 'response' | 'run';
  /** resp_... or run_... */
  id: string;
  /** The response's conversation (null without one) or the run's thread. */
  conversationOrThreadId: string | null;
  input: number;
  output: number;
  total: number;
}

/** What a run uses when runs.create does not override it, standing in for the assistant's settings. */
export interface AssistantDefaults {
  model: string;
  temperature: number;
}

export interface FakeThreadMessage extends ChatText {
  run_id: string | null;
  assistant_id: string | null;
}

export interface FakeThread {
  id: string;
  created_at: number;
  metadata: Record<string, string>;
  messages: FakeThreadMessage[];
  activeRunId?: string;
  deleted?: boolean;
}

export type RunStatus =
  | 'queued'
  | 'in_progress'
  | 'requires_action'
  | 'cancelling'
  | 'cancelled'
  | 'failed'
  | 'completed'
  | 'incomplete'
  | 'expired';

/** A run as the fake keeps it: the wire fields plus `cancelled` (true only when runs.cancel was called). */
export interface FakeRun {
  id: string;
  object: 'thread.run';
  created_at: number;
  thread_id: string;
  assistant_id: string;
  status: RunStatus;
  required_action: unknown;
  last_error: { code: string; message: string } | null;
  expires_at: number | null;
  started_at: number | null;
  cancelled_at: number | null;
  failed_at: number | null;
  completed_at: number | null;
  incomplete_details: { reason: string } | null;
  model: string;
  instructions: string;
  tools: unknown[];
  metadata: Record<string, string>;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
  temperature: number | null;
  top_p: number | null;
  max_prompt_tokens: number | null;
  max_completion_tokens: number | null;
  truncation_strategy: { type: 'auto'; last_messages: null };
  response_format: 'auto';
  tool_choice: 'auto';
  parallel_tool_calls: boolean;
  cancelled: boolean;
}

export type RunOutcome = 'failed' | 'expired' | 'cancelled' | 'incomplete' | 'requires_action';

interface Repeatable {
  /** How many requests the fault applies to (default 1; Infinity for always). */
  times?: number;
}

/**
 * `route` is a route pattern such as 'POST /v1/threads/:id/runs' (parameter names
 * do not matter) or a concrete 'METHOD /path'. Each request uses up at most one
 * fault, the first that matches; a 'stale-active-run' is applied on top of that.
 * Only streaming requests (stream: true) take a 'stream-break'.
 */
export type Fault = Repeatable &
  (
    | { kind: 'status'; route: string; status: number; body?: unknown; headers?: Record<string, string> }
    | { kind: 'malformed-json'; route: string }
    | { kind: 'hang'; route: string }
    | { kind: 'delay'; route: string; ms: number }
    | { kind: 'reset'; route: string }
    | { kind: 'stream-break'; route: string; afterDeltas: number }
    | { kind: 'response-status'; route?: string; status: 'failed' | 'incomplete' | 'cancelled' }
    | { kind: 'run-outcome'; route?: string; status: RunOutcome; lastErrorCode?: string }
    | { kind: 'conversation-locked'; route?: string }
    | { kind: 'stale-active-run'; threadId?: string }
  );

export type FaultOf<K extends Fault['kind']> = Extract<Fault, { kind: K }>;
