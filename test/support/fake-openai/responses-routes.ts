import { normalizeInput } from './conversation-items';
import { type Exchange, modelNotFound, nowSeconds, randomId, type Route, wordCount } from './http';
import { streamResponse } from './response-stream';
import { commit, cutOff, finalResponse, type Turn } from './response-turn';
import { type FakeState } from './state';
import type { FakeConversation } from './types';

const LOCKED_MESSAGE = 'Another process is currently operating on this conversation. Please retry in a few seconds.';
const MIN_OUTPUT_TOKENS = 16;

export function responseRoutes(state: FakeState): Route[] {
  const lockedAtArrival = new WeakSet<Exchange>();
  return [
    {
      method: 'POST',
      pattern: '/v1/responses',
      onArrival(ex) {
        const id = conversationIdOf(ex.body.conversation);
        if (!id) return;
        if (state.enterConversation(id) > 0) lockedAtArrival.add(ex);
        ex.onSettled(() => state.leaveConversation(id));
      },
      guard(ex) {
        if (!lockedAtArrival.has(ex)) return true;
        sendLocked(ex);
        return false;
      },
      handle: (ex) => createResponse(state, ex),
    },
  ];
}

async function createResponse(state: FakeState, ex: Exchange): Promise<void> {
  if (ex.fault?.kind === 'conversation-locked') return sendLocked(ex);
  const { model, max_output_tokens: maxOutputTokens } = ex.body;
  if (typeof model !== 'string') {
    return ex.error(400, "Missing required parameter: 'model'.", 'invalid_request_error', 'model', 'missing_required_parameter');
  }
  if (!state.knowsModel(model)) return ex.json(400, modelNotFound(model));
  if (typeof maxOutputTokens === 'number' && maxOutputTokens < MIN_OUTPUT_TOKENS) {
    const message = `Invalid 'max_output_tokens': integer below minimum value. Expected a value >= ${MIN_OUTPUT_TOKENS}, but got ${maxOutputTokens} instead.`;
    return ex.error(400, message, 'invalid_request_error', 'max_output_tokens', 'integer_below_min_value');
  }
  const conversationId = conversationIdOf(ex.body.conversation);
  const conversation = state.liveConversation(conversationId);
  if (conversationId && !conversation) {
    return ex.error(404, `Conversation with id '${conversationId}' not found.`, 'invalid_request_error', 'conversation');
  }
  const turn = planTurn(state, ex, conversation);
  if (ex.body.stream === true) return streamResponse(state, ex, turn);
  if (turn.outcome === 'completed') commit(turn, { text: turn.output, status: 'completed' });
  ex.json(200, finalResponse(state, turn));
}

/** The turn number counts the user messages the model sees: those still in the conversation plus the new input. */
function planTurn(state: FakeState, ex: Exchange, conversation?: FakeConversation): Turn {
  const inputs = normalizeInput(ex.body.input);
  const seen = [...(conversation?.items ?? []), ...inputs];
  const userTurns = seen.filter((m) => m.role === 'user').length;
  const lastUserText = inputs.filter((m) => m.role === 'user').at(-1)?.text ?? '';
  const instructions = typeof ex.body.instructions === 'string' ? ex.body.instructions : '';
  const fault = ex.fault?.kind === 'response-status' ? ex.fault.status : undefined;
  return {
    id: randomId('resp', 24),
    messageId: randomId('msg', 24),
    createdAt: nowSeconds(),
    body: ex.body,
    conversation,
    inputs,
    inputTokens: wordCount(instructions) + seen.reduce((sum, m) => sum + wordCount(m.text), 0),
    ...cutOff(state.answerFor(lastUserText, userTurns), ex.body.max_output_tokens, fault),
  };
}

function sendLocked(ex: Exchange): void {
  ex.error(400, LOCKED_MESSAGE, 'invalid_request_error', 'conversation', 'conversation_locked');
}

function conversationIdOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const id = (value as { id?: unknown } | null | undefined)?.id;
  return typeof id === 'string' ? id : undefined;
}
