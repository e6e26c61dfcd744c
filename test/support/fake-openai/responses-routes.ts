import { chunkWords, type Exchange, nowSeconds, pageOf, randomId, type Route } from './http';
import { type FakeState } from './state';
import type { ChatText, FakeConversation, JsonBody } from './types';

const LOCKED_MESSAGE = 'Another process is currently operating on this conversation. Please retry in a few seconds.';

type ResponseOutcome = 'completed' | 'failed' | 'incomplete' | 'cancelled';

interface InputMessage {
  role: string;
  text: string;
}

/** One /v1/responses call, planned up front so streaming and non-streaming answer alike. */
interface Turn {
  id: string;
  messageId: string;
  createdAt: number;
  body: JsonBody;
  conversation?: FakeConversation;
  inputs: InputMessage[];
  answer: string;
  inputTokens: number;
  outcome: ResponseOutcome;
}

export function conversationRoutes(state: FakeState): Route[] {
  return [
    { method: 'POST', pattern: '/v1/conversations', handle: (ex) => createConversation(state, ex) },
    { method: 'GET', pattern: '/v1/conversations/:id', handle: (ex) => withConversation(state, ex, (c) => ex.json(200, conversationObject(c))) },
    { method: 'DELETE', pattern: '/v1/conversations/:id', handle: (ex) => withConversation(state, ex, (c) => deleteConversation(c, ex)) },
    { method: 'GET', pattern: '/v1/conversations/:id/items', handle: (ex) => withConversation(state, ex, (c) => listItems(c, ex)) },
  ];
}

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

function createConversation(state: FakeState, ex: Exchange): void {
  const createdAt = nowSeconds();
  const conversation: FakeConversation = {
    id: randomId('conv', 24),
    created_at: createdAt,
    metadata: ex.body.metadata ?? {},
    items: toItems(normalizeInput(ex.body.items ?? []), createdAt),
  };
  state.conversations.set(conversation.id, conversation);
  ex.json(200, conversationObject(conversation));
}

function withConversation(state: FakeState, ex: Exchange, then: (c: FakeConversation) => void): void {
  const conversation = state.liveConversation(ex.params.id);
  if (conversation) then(conversation);
  else ex.error(404, `Conversation with id '${ex.params.id}' not found.`);
}

function deleteConversation(conversation: FakeConversation, ex: Exchange): void {
  conversation.deleted = true;
  ex.json(200, { id: conversation.id, object: 'conversation.deleted', deleted: true });
}

function listItems(conversation: FakeConversation, ex: Exchange): void {
  const page = pageOf(conversation.items, ex.record.query);
  ex.json(200, { object: 'list', ...page, data: page.data.map(itemObject) });
}

async function createResponse(state: FakeState, ex: Exchange): Promise<void> {
  if (ex.fault?.kind === 'conversation-locked') return sendLocked(ex);
  if (typeof ex.body.model !== 'string') {
    return ex.error(400, "Missing required parameter: 'model'.", 'invalid_request_error', 'model', 'missing_required_parameter');
  }
  const conversationId = conversationIdOf(ex.body.conversation);
  const conversation = state.liveConversation(conversationId);
  if (conversationId && !conversation) {
    return ex.error(404, `Conversation with id '${conversationId}' not found.`, 'invalid_request_error', 'conversation');
  }
  const turn = planTurn(state, ex, conversation);
  if (ex.body.stream === true) await streamResponse(state, ex, turn);
  else answerOnce(ex, turn);
}

function planTurn(state: FakeState, ex: Exchange, conversation?: FakeConversation): Turn {
  const inputs = normalizeInput(ex.body.input);
  const userTurns = [...(conversation?.items ?? []), ...inputs].filter((m) => m.role === 'user').length;
  const lastUserText = inputs.filter((m) => m.role === 'user').at(-1)?.text ?? '';
  return {
    id: randomId('resp', 24),
    messageId: randomId('msg', 24),
    createdAt: nowSeconds(),
    body: ex.body,
    conversation,
    inputs,
    answer: state.answerFor(lastUserText, userTurns),
    inputTokens: [...(conversation?.items ?? []), ...inputs].reduce((sum, m) => sum + wordCount(m.text), 0),
    outcome: ex.fault?.kind === 'response-status' ? ex.fault.status : 'completed',
  };
}

function answerOnce(ex: Exchange, turn: Turn): void {
  if (turn.outcome === 'completed') commit(turn);
  ex.json(200, responseObject(turn, turn.outcome, finalOutput(turn)));
}

async function streamResponse(state: FakeState, ex: Exchange, turn: Turn): Promise<void> {
  const sse = ex.startSse();
  let sequence = 0;
  const send = (type: string, payload: object) => sse.send(type, { type, sequence_number: sequence++, ...payload });
  const finish = async (type: string) => {
    if (ex.signal.aborted) return;
    if (turn.outcome === 'completed') commit(turn);
    await send(type, { response: responseObject(turn, turn.outcome, finalOutput(turn)) });
    ex.endSse(sse);
  };

  const inProgress = responseObject(turn, 'in_progress', []);
  await send('response.created', { response: inProgress });
  await send('response.in_progress', { response: inProgress });
  // Cancelled has no event of its own in the stream event union; response.failed is the nearest.
  if (turn.outcome === 'failed' || turn.outcome === 'cancelled') return finish('response.failed');

  const text = turn.outcome === 'incomplete' ? partialText(turn.answer) : turn.answer;
  const where = { item_id: turn.messageId, output_index: 0, content_index: 0 };
  await send('response.output_item.added', { output_index: 0, item: outputMessage(turn.messageId, 'in_progress', []) });
  await send('response.content_part.added', { ...where, part: outputText('') });
  if (!(await sendDeltas(state, ex, text, (delta) => send('response.output_text.delta', { ...where, delta, logprobs: [] })))) return;
  const status = turn.outcome === 'incomplete' ? 'incomplete' : 'completed';
  await send('response.output_text.done', { ...where, text, logprobs: [] });
  await send('response.content_part.done', { ...where, part: outputText(text) });
  await send('response.output_item.done', { output_index: 0, item: outputMessage(turn.messageId, status, [outputText(text)]) });
  await finish(turn.outcome === 'incomplete' ? 'response.incomplete' : 'response.completed');
}

/** Sends the deltas, honouring streamDeltaDelayMs and a stream-break fault; false when the stream is over. */
async function sendDeltas(state: FakeState, ex: Exchange, text: string, sendDelta: (d: string) => Promise<boolean>): Promise<boolean> {
  const breakAfter = ex.fault?.kind === 'stream-break' ? ex.fault.afterDeltas : Infinity;
  const chunks = chunkWords(text);
  for (const [index, chunk] of chunks.entries()) {
    if (index >= breakAfter) break;
    if (state.streamDeltaDelayMs > 0 && !(await ex.sleep(state.streamDeltaDelayMs))) return false;
    if (!(await sendDelta(chunk))) return false;
    if (index === 0) state.firstDeltaSentAt.push(performance.timeOrigin + performance.now());
  }
  if (breakAfter === Infinity) return !ex.signal.aborted;
  ex.destroy();
  return false;
}

function commit(turn: Turn): void {
  if (!turn.conversation) return;
  const answer: InputMessage = { role: 'assistant', text: turn.answer };
  turn.conversation.items.push(...toItems([...turn.inputs, answer], turn.createdAt));
}

function finalOutput(turn: Turn): object[] {
  if (turn.outcome === 'completed') return [outputMessage(turn.messageId, 'completed', [outputText(turn.answer)])];
  if (turn.outcome === 'incomplete') {
    return [outputMessage(turn.messageId, 'incomplete', [outputText(partialText(turn.answer))])];
  }
  return [];
}

function partialText(answer: string): string {
  const chunks = chunkWords(answer);
  return chunks.slice(0, Math.ceil(chunks.length / 2)).join('');
}

function sendLocked(ex: Exchange): void {
  ex.error(400, LOCKED_MESSAGE, 'invalid_request_error', 'conversation', 'conversation_locked');
}

function conversationIdOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const id = (value as { id?: unknown } | null | undefined)?.id;
  return typeof id === 'string' ? id : undefined;
}

/** Accepts a string or an array of input messages ({ role, content: string | parts }). */
function normalizeInput(input: unknown): InputMessage[] {
  if (typeof input === 'string') return [{ role: 'user', text: input }];
  if (!Array.isArray(input)) return [];
  return input
    .filter((m) => m && typeof m === 'object' && (m.type === undefined || m.type === 'message'))
    .map((m) => ({ role: typeof m.role === 'string' ? m.role : 'user', text: contentText(m.content) }));
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (typeof part?.text === 'string' ? part.text : '')).join('');
}

function toItems(messages: InputMessage[], createdAt: number): ChatText[] {
  return messages
    .filter((m): m is InputMessage & Pick<ChatText, 'role'> => m.role === 'user' || m.role === 'assistant')
    .map((m) => ({ id: randomId('msg', 24), role: m.role, text: m.text, created_at: createdAt }));
}

function conversationObject(c: FakeConversation) {
  return { id: c.id, object: 'conversation', created_at: c.created_at, metadata: c.metadata };
}

function itemObject(item: ChatText) {
  const content = item.role === 'user' ? { type: 'input_text', text: item.text } : outputText(item.text);
  return { type: 'message', id: item.id, role: item.role, status: 'completed', content: [content] };
}

function outputText(text: string) {
  return { type: 'output_text', text, annotations: [], logprobs: [] };
}

function outputMessage(id: string, status: string, content: object[]) {
  return { type: 'message', id, status, role: 'assistant', content };
}

function responseObject(turn: Turn, status: 'in_progress' | ResponseOutcome, output: object[]) {
  const body = turn.body;
  const done = status !== 'in_progress';
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
    usage: done ? usageOf(turn, output) : null,
    user: null,
    conversation: turn.conversation ? { id: turn.conversation.id } : null,
  };
}

/** Words stand in for tokens. */
function wordCount(text: string): number {
  return chunkWords(text).length;
}

function usageOf(turn: Turn, output: object[]) {
  const outputTokens = output.length > 0 ? wordCount(turn.answer) : 0;
  return {
    input_tokens: turn.inputTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: turn.inputTokens + outputTokens,
  };
}
