import { type InputMessage, outputMessage, outputText, toItems } from './conversation-items';
import { chunkWords, nowSeconds, wordCount } from './http';
import { type FakeState } from './state';
import type { ConversationItem, FakeConversation, JsonBody } from './types';

export type ResponseOutcome = 'completed' | 'failed' | 'incomplete' | 'cancelled';

/** One /v1/responses call, planned up front so streaming and non-streaming answer alike. */
export interface Turn {
  id: string;
  /** The output message's id: in output[0], in the stream's item events and in the conversation. */
  messageId: string;
  createdAt: number;
  body: JsonBody;
  conversation?: FakeConversation;
  inputs: InputMessage[];
  /** What the model puts out: the answer, its cut-off start when incomplete, '' when failed or cancelled. */
  output: string;
  inputTokens: number;
  outcome: ResponseOutcome;
}

/**
 * Works out the outcome: a response-status fault wins; otherwise an answer longer
 * than max_output_tokens words stops there, as the real model stops at the limit.
 */
export function cutOff(answer: string, maxOutputTokens: unknown, fault?: Exclude<ResponseOutcome, 'completed'>): Pick<Turn, 'outcome' | 'output'> {
  const chunks = chunkWords(answer);
  if (fault === 'failed' || fault === 'cancelled') return { outcome: fault, output: '' };
  if (fault === 'incomplete') return { outcome: 'incomplete', output: chunks.slice(0, Math.ceil(chunks.length / 2)).join('') };
  if (typeof maxOutputTokens === 'number' && chunks.length > maxOutputTokens) {
    return { outcome: 'incomplete', output: chunks.slice(0, maxOutputTokens).join('') };
  }
  return { outcome: 'completed', output: answer };
}

/** Adds the turn's input items, then its output item (if any), to its conversation. */
export function commit(turn: Turn, output: Pick<ConversationItem, 'text' | 'status'> | null): void {
  if (!turn.conversation) return;
  const items = toItems(turn.inputs, turn.createdAt);
  if (output) items.push({ id: turn.messageId, role: 'assistant', created_at: turn.createdAt, ...output });
  turn.conversation.items.push(...items);
}

/** The terminal response object; reports its usage, so call it once, when sending it. */
export function finalResponse(state: FakeState, turn: Turn) {
  const response = responseObject(turn, turn.outcome, finalOutput(turn));
  const { input_tokens: input, output_tokens: output, total_tokens: total } = response.usage!;
  state.reportedUsage.push({ kind: 'response', id: turn.id, conversationOrThreadId: turn.conversation?.id ?? null, input, output, total });
  return response;
}

function finalOutput(turn: Turn): object[] {
  if (turn.outcome !== 'completed' && turn.outcome !== 'incomplete') return [];
  return [outputMessage(turn.messageId, turn.outcome, [outputText(turn.output)])];
}

export function responseObject(turn: Turn, status: 'in_progress' | ResponseOutcome, output: object[]) {
  const body = turn.body;
  return {
    id: turn.id,
    object: 'response',
    created_at: turn.createdAt,
    status,
    background: false,
    completed_at: status === 'completed' ? nowSeconds() : null,
    error: status === 'failed' ? { code: 'server_error', message: 'The model failed' } : null,
    incomplete_details: status === 'incomplete' ? { reason: 'max_output_tokens' } : null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    metadata: body.metadata ?? {},
    model: body.model,
    output,
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: body.store ?? true,
    temperature: body.temperature ?? 1,
    text: { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: 'auto',
    tools: [],
    top_p: body.top_p ?? 1,
    truncation: 'disabled',
    usage: status === 'in_progress' ? null : usageOf(turn),
    user: null,
    conversation: turn.conversation ? { id: turn.conversation.id } : null,
  };
}

function usageOf(turn: Turn) {
  const outputTokens = wordCount(turn.output);
  return {
    input_tokens: turn.inputTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: turn.inputTokens + outputTokens,
  };
}
