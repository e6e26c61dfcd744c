import OpenAI, {
  APIConnectionError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  NotFoundError,
  RateLimitError,
} from 'openai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { FakeOpenAiServer, type RunOutcome } from './fake-openai.server';
import { waitFor } from './wait-for';

const execFileAsync = promisify(execFile);

const MODEL = 'gpt-4.1-mini';
const ASSISTANT = 'asst_test';
const V2 = { 'openai-beta': 'assistants=v2' };

let fake: FakeOpenAiServer;
let client: OpenAI;

beforeEach(async () => {
  fake = await FakeOpenAiServer.start();
  client = new OpenAI({ apiKey: 'sk-test', baseURL: fake.baseURL, maxRetries: 0, timeout: 5000 });
});

afterEach(async () => {
  await fake.stop();
  expect(fake.errors).toEqual([]);
  expect(fake.unexpected).toEqual([]);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves with what the promise rejected with, failing the test if it resolved. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions inspect whatever was thrown
async function rejection(promise: Promise<unknown>): Promise<any> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (err: unknown) => err,
  );
}

async function newConversation(): Promise<string> {
  return (await client.conversations.create()).id;
}

function ask(conversation: string, input: string, options?: OpenAI.RequestOptions) {
  return client.responses.create({ model: MODEL, conversation, input }, options);
}

function askStreaming(conversation: string, input: string) {
  return client.responses.create({ model: MODEL, conversation, input, stream: true });
}

function requestsTo(method: string, path: string) {
  return fake.requests.filter((r) => r.method === method && r.path === path);
}

function itemTexts(conversationId: string): string[] {
  return fake.conversations.get(conversationId)!.items.map((i) => `${i.role}: ${i.text}`);
}

describe('conversations', () => {
  it('creates, lists items in both orders with cursor paging, and deletes', async () => {
    const conversation = await client.conversations.create({ metadata: { user: 'u1' } });
    expect(conversation).toMatchObject({ object: 'conversation', metadata: { user: 'u1' } });
    expect(conversation.id).toMatch(/^conv_[0-9a-f]+$/);
    expect((await client.conversations.items.list(conversation.id)).data).toEqual([]);

    await ask(conversation.id, 'hello');
    await ask(conversation.id, 'again');

    const asc = await client.conversations.items.list(conversation.id, { order: 'asc' });
    expect(asc.data.map((i) => i.type === 'message' && i.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(asc.data[0]).toMatchObject({ type: 'message', status: 'completed', content: [{ type: 'input_text', text: 'hello' }] });
    expect(asc.data[1]).toMatchObject({ content: [{ type: 'output_text', text: 'Echo 1: hello' }] });
    expect(asc).toMatchObject({ has_more: false, last_id: asc.data[3].id });

    const newestFirst = await client.conversations.items.list(conversation.id, { limit: 1 });
    expect(newestFirst.data).toHaveLength(1);
    expect(newestFirst.has_more).toBe(true);
    expect(newestFirst.data[0]).toMatchObject({ content: [{ text: 'Echo 2: again' }] });

    const paged: Array<string | undefined> = [];
    for await (const item of client.conversations.items.list(conversation.id, { order: 'asc', limit: 1 })) {
      paged.push(item.id);
    }
    expect(paged).toEqual(asc.data.map((i) => i.id));

    const deleted = await client.conversations.delete(conversation.id);
    expect(deleted).toMatchObject({ id: conversation.id, object: 'conversation.deleted', deleted: true });
    expect(fake.conversations.get(conversation.id)?.deleted).toBe(true);
    expect(await rejection(client.conversations.delete(conversation.id))).toBeInstanceOf(NotFoundError);
  });

  it('404s with an OpenAI error body for an unknown conversation', async () => {
    const err = await rejection(client.conversations.items.list('conv_missing'));
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.error).toMatchObject({ message: "Conversation with id 'conv_missing' not found.", type: 'invalid_request_error' });
  });
});

describe('responses (non-streaming)', () => {
  it('echoes with a turn count and records what was sent', async () => {
    const conversation = await newConversation();
    const first = await client.responses.create({
      model: MODEL,
      conversation,
      input: 'hello',
      instructions: 'Be brief.',
      temperature: 0.2,
      max_output_tokens: 64,
    });
    const second = await ask(conversation, 'again');

    expect(first.output_text).toBe('Echo 1: hello');
    expect(first.output_text).toBe(fake.answerFor('hello', 1));
    expect(second.output_text).toBe('Echo 2: again');
    expect(first).toMatchObject({
      object: 'response',
      status: 'completed',
      error: null,
      instructions: 'Be brief.',
      temperature: 0.2,
      max_output_tokens: 64,
      conversation: { id: conversation },
    });
    expect(first.id).toMatch(/^resp_/);
    expect(first.usage?.output_tokens).toBeGreaterThan(0);
    expect(first._request_id).toMatch(/^req_[0-9a-f]+$/);

    const [recorded] = requestsTo('POST', '/v1/responses');
    expect(recorded.body).toEqual({
      model: MODEL,
      conversation,
      input: 'hello',
      instructions: 'Be brief.',
      temperature: 0.2,
      max_output_tokens: 64,
    });
    expect(recorded.headers.authorization).toBe('Bearer sk-test');
    expect(recorded.aborted).toBe(false);
  });

  it('accepts conversation as { id } and input as a message array', async () => {
    const conversation = await newConversation();
    const response = await client.responses.create({
      model: MODEL,
      conversation: { id: conversation },
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'from parts' }] }],
    });
    expect(response.output_text).toBe('Echo 1: from parts');
    expect(itemTexts(conversation)).toEqual(['user: from parts', 'assistant: Echo 1: from parts']);
  });

  it('404s for an unknown conversation and leaves nothing behind', async () => {
    const err = await rejection(ask('conv_nope', 'hi'));
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err).toMatchObject({ status: 404, param: 'conversation', type: 'invalid_request_error' });
    expect(err.message).toContain("Conversation with id 'conv_nope' not found.");
  });
});

describe('responses (streaming)', () => {
  it('streams the documented events whose deltas join to the answer', async () => {
    const conversation = await newConversation();
    const stream = await askStreaming(conversation, 'stream me please');
    const events = [];
    for await (const event of stream) events.push(event);

    const types = events.map((e) => e.type).filter((t, i, all) => t !== all[i - 1]);
    expect(types).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const deltas = events.flatMap((e) => (e.type === 'response.output_text.delta' ? [e.delta] : []));
    expect(deltas.length).toBeGreaterThan(2);
    expect(deltas.join('')).toBe('Echo 1: stream me please');
    const last = events.at(-1)!;
    expect(last.type === 'response.completed' && last.response.status).toBe('completed');
    expect(itemTexts(conversation)).toEqual(['user: stream me please', 'assistant: Echo 1: stream me please']);
  });

  it('satisfies the SDK response accumulator (responses.stream)', async () => {
    const conversation = await newConversation();
    await ask(conversation, 'first');
    fake.streamDeltaDelayMs = 5;
    const stream = client.responses.stream({ model: MODEL, conversation, input: 'second' });
    const final = await stream.finalResponse();
    expect(final.output_text).toBe('Echo 2: second');
    expect(final.status).toBe('completed');
  });
});

describe('conversation locking', () => {
  it('answers conversation_locked to a second request in flight on one conversation', async () => {
    const conversation = await newConversation();
    fake.latencyMs = 150;
    const results = await Promise.allSettled([ask(conversation, 'one'), ask(conversation, 'two')]);

    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect(rejected[0].reason).toBeInstanceOf(BadRequestError);
    expect(rejected[0].reason).toMatchObject({ status: 400, code: 'conversation_locked', param: 'conversation' });
    expect(fake.maxConcurrentPerConversation()).toBe(2);
    expect(fake.conversations.get(conversation)!.items).toHaveLength(2);
  });

  it('counts one in flight for sequential calls, streaming included', async () => {
    const conversation = await newConversation();
    await ask(conversation, 'one');
    for await (const _event of await askStreaming(conversation, 'two')) {
      // drain
    }
    await ask(conversation, 'three');
    expect(fake.maxConcurrentPerConversation()).toBe(1);
  });

  it('can be forced with a conversation-locked fault', async () => {
    const conversation = await newConversation();
    fake.inject({ kind: 'conversation-locked' });
    const err = await rejection(ask(conversation, 'hi'));
    expect(err).toBeInstanceOf(BadRequestError);
    expect(err.error.message).toBe('Another process is currently operating on this conversation. Please retry in a few seconds.');
    expect((await ask(conversation, 'hi')).output_text).toBe('Echo 1: hi');
  });
});

describe('HTTP faults', () => {
  it('status 500 -> InternalServerError, used up after `times`', async () => {
    const conversation = await newConversation();
    fake.inject({ kind: 'status', route: 'POST /v1/responses', status: 500, times: 2 });
    for (let i = 0; i < 2; i++) {
      const err = await rejection(ask(conversation, 'hi'));
      expect(err).toBeInstanceOf(InternalServerError);
      expect(err).toMatchObject({ status: 500, type: 'server_error' });
      expect(err.requestID).toMatch(/^req_/);
    }
    expect((await ask(conversation, 'hi')).output_text).toBe('Echo 1: hi');
    expect(fake.pendingFaults).toEqual([]);
  });

  it('status 429 with retry-after and 401 with a custom body', async () => {
    fake.inject({ kind: 'status', route: 'POST /v1/conversations', status: 429, headers: { 'retry-after': '7' } });
    fake.inject({
      kind: 'status',
      route: 'POST /v1/conversations',
      status: 401,
      body: { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } },
    });
    const limited = await rejection(client.conversations.create());
    expect(limited).toBeInstanceOf(RateLimitError);
    expect(limited.headers.get('retry-after')).toBe('7');
    const unauthorized = await rejection(client.conversations.create());
    expect(unauthorized).toBeInstanceOf(AuthenticationError);
    expect(unauthorized.code).toBe('invalid_api_key');
  });

  it('matches fault routes whatever the parameter is called', async () => {
    const conversation = await newConversation();
    fake.inject({ kind: 'status', route: 'DELETE /v1/conversations/:conversationId', status: 503 });
    expect(await rejection(client.conversations.delete(conversation))).toBeInstanceOf(InternalServerError);
    expect((await client.conversations.delete(conversation)).deleted).toBe(true);
  });

  // Inside Jest the SDK reports its own timeout as a plain APIConnectionError: undici rejects with a
  // DOMException from Node's realm, which fails the SDK's `instanceof Error` in Jest's sandbox, so the
  // SDK loses the AbortError name. The next test shows the real class outside the sandbox.
  it('hang -> the SDK times out (APIConnectionError under Jest), recorded as aborted', async () => {
    const conversation = await newConversation();
    fake.inject({ kind: 'hang', route: 'POST /v1/responses' });
    const started = Date.now();
    expect(await rejection(ask(conversation, 'hi', { timeout: 200 }))).toBeInstanceOf(APIConnectionError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(Date.now() - started).toBeLessThan(1500);
    await waitFor(() => requestsTo('POST', '/v1/responses')[0]?.aborted === true);
    expect(fake.conversations.get(conversation)!.items).toEqual([]);
  });

  it('hang -> APIConnectionTimeoutError in a plain Node process', async () => {
    fake.inject({ kind: 'hang', route: 'POST /v1/conversations' });
    const script = `
      const { OpenAI } = require('openai');
      new OpenAI({ apiKey: 'sk-test', baseURL: process.argv[1], maxRetries: 0 })
        .conversations.create({}, { timeout: 200 })
        .then(() => console.log('resolved'), (err) => console.log(err.constructor.name));`;
    const { stdout } = await execFileAsync(process.execPath, ['-e', script, fake.baseURL], { cwd: process.cwd(), timeout: 10_000 });
    expect(stdout.trim()).toBe('APIConnectionTimeoutError');
    await waitFor(() => fake.requests[0]?.aborted === true);
  });

  it('client abort via AbortSignal is recorded and leaves the conversation unchanged', async () => {
    const conversation = await newConversation();
    fake.inject({ kind: 'delay', route: 'POST /v1/responses', ms: 300 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    expect(await rejection(ask(conversation, 'hi', { signal: controller.signal }))).toBeInstanceOf(APIUserAbortError);
    await waitFor(() => requestsTo('POST', '/v1/responses')[0]?.aborted === true);
    await sleep(350);
    expect(fake.conversations.get(conversation)!.items).toEqual([]);
  });

  it('delay postpones the answer', async () => {
    fake.inject({ kind: 'delay', route: 'POST /v1/conversations', ms: 200 });
    const started = Date.now();
    await newConversation();
    expect(Date.now() - started).toBeGreaterThanOrEqual(195);
  });

  it('latencyMs applies to every request', async () => {
    fake.latencyMs = 100;
    const started = Date.now();
    await newConversation();
    await newConversation();
    expect(Date.now() - started).toBeGreaterThanOrEqual(195);
  });

  it('malformed-json -> the SDK rejects', async () => {
    fake.inject({ kind: 'malformed-json', route: 'POST /v1/conversations' });
    // Not an APIError: the SDK lets response.json()'s SyntaxError through.
    expect(await rejection(client.conversations.create())).toMatchObject({ name: 'SyntaxError' });
    expect(fake.conversations.size).toBe(0);
  });

  it('reset -> APIConnectionError, not recorded as a client abort', async () => {
    fake.inject({ kind: 'reset', route: 'POST /v1/conversations' });
    expect(await rejection(client.conversations.create())).toBeInstanceOf(APIConnectionError);
    expect(fake.requests[0].aborted).toBe(false);
  });

  it('stream-break ends the stream after N deltas; non-streaming calls do not consume it', async () => {
    const conversation = await newConversation();
    fake.inject({ kind: 'stream-break', route: 'POST /v1/responses', afterDeltas: 2 });
    expect((await ask(conversation, 'not streamed')).output_text).toBe('Echo 1: not streamed');

    const deltas: string[] = [];
    const stream = await askStreaming(conversation, 'one two three four');
    const err = await rejection(
      (async () => {
        for await (const event of stream) if (event.type === 'response.output_text.delta') deltas.push(event.delta);
      })(),
    );
    // Not an APIError either: undici's "terminated" TypeError reaches the iterator as is.
    expect(err).toMatchObject({ name: 'TypeError', message: 'terminated' });
    expect(deltas).toEqual(['Echo ', '2: ']);
    expect(fake.conversations.get(conversation)!.items).toHaveLength(2);
  });

  it('unknown routes get 404 and are listed in unexpected', async () => {
    expect(await rejection(client.models.list())).toBeInstanceOf(NotFoundError);
    expect(fake.unexpected).toEqual(['GET /v1/models']);
    fake.unexpected.length = 0;
  });

  it('stop() ends a hanging request', async () => {
    fake.inject({ kind: 'hang', route: 'POST /v1/conversations' });
    const pending = rejection(client.conversations.create());
    await waitFor(() => fake.requests.length === 1);
    await fake.stop();
    expect(await pending).toBeInstanceOf(APIConnectionError);
  });

  it('reset() clears requests, faults and state', async () => {
    await newConversation();
    fake.inject({ kind: 'status', route: 'POST /v1/conversations', status: 500 });
    fake.reset();
    expect(fake.requests).toEqual([]);
    expect(fake.conversations.size).toBe(0);
    expect(fake.pendingFaults).toEqual([]);
    await newConversation();
    expect(fake.conversations.size).toBe(1);
  });
});

describe('response-status faults', () => {
  it('failed: status failed with an error and no output; conversation unchanged', async () => {
    const conversation = await newConversation();
    fake.inject({ kind: 'response-status', route: 'POST /v1/responses', status: 'failed' });
    const response = await ask(conversation, 'hi');
    expect(response).toMatchObject({ status: 'failed', error: { code: 'server_error', message: 'The model failed' }, output: [] });
    expect(response.output_text).toBe('');
    expect(fake.conversations.get(conversation)!.items).toEqual([]);
  });

  it('incomplete (streaming) ends with response.incomplete and partial text', async () => {
    const conversation = await newConversation();
    fake.inject({ kind: 'response-status', status: 'incomplete' });
    const events = [];
    for await (const event of await askStreaming(conversation, 'a b c d e f')) events.push(event);
    const last = events.at(-1)!;
    expect(last.type).toBe('response.incomplete');
    expect(last.type === 'response.incomplete' && last.response.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    const text = events.flatMap((e) => (e.type === 'response.output_text.delta' ? [e.delta] : [])).join('');
    expect(text.length).toBeGreaterThan(0);
    expect('Echo 1: a b c d e f'.startsWith(text) && text !== 'Echo 1: a b c d e f').toBe(true);
  });

  it('failed (streaming) ends with response.failed, which the SDK does not throw on', async () => {
    const conversation = await newConversation();
    fake.inject({ kind: 'response-status', status: 'failed' });
    const final = await client.responses.stream({ model: MODEL, conversation, input: 'hi' }).finalResponse();
    expect(final.status).toBe('failed');
    expect(final.error?.code).toBe('server_error');
  });

  it('cancelled: status cancelled', async () => {
    const conversation = await newConversation();
    fake.inject({ kind: 'response-status', status: 'cancelled' });
    expect((await ask(conversation, 'hi')).status).toBe('cancelled');
  });
});

describe('assistants v2', () => {
  async function threadWith(text: string): Promise<string> {
    const thread = await client.beta.threads.create();
    await client.beta.threads.messages.create(thread.id, { role: 'user', content: text });
    return thread.id;
  }

  it('streams a run over runDurationMs with text deltas, final run and messages', async () => {
    fake.runDurationMs = 300;
    const thread = await client.beta.threads.create();
    expect(thread).toMatchObject({ object: 'thread', metadata: {}, tool_resources: {} });
    expect(thread.id).toMatch(/^thread_/);
    const message = await client.beta.threads.messages.create(thread.id, { role: 'user', content: 'hello there' });
    expect(message).toMatchObject({ role: 'user', content: [{ type: 'text', text: { value: 'hello there', annotations: [] } }] });

    const started = Date.now();
    const stream = client.beta.threads.runs.stream(thread.id, { assistant_id: ASSISTANT, additional_instructions: 'Be kind.' });
    const deltas: string[] = [];
    const events: string[] = [];
    stream.on('textDelta', (delta) => deltas.push(delta.value ?? ''));
    stream.on('event', (event) => events.push(event.event));
    const run = await stream.finalRun();
    const messages = await stream.finalMessages();
    const elapsed = Date.now() - started;

    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe('Echo 1: hello there');
    expect(run).toMatchObject({ object: 'thread.run', status: 'completed', thread_id: thread.id, assistant_id: ASSISTANT });
    expect(run.usage?.completion_tokens).toBeGreaterThan(0);
    expect(messages).toHaveLength(1);
    expect(messages[0].content[0]).toMatchObject({ type: 'text', text: { value: 'Echo 1: hello there' } });
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1500);
    expect(events.filter((e, i) => e !== events[i - 1])).toEqual([
      'thread.run.created',
      'thread.run.queued',
      'thread.run.in_progress',
      'thread.run.step.created',
      'thread.message.created',
      'thread.message.in_progress',
      'thread.message.delta',
      'thread.message.completed',
      'thread.run.step.completed',
      'thread.run.completed',
    ]);
    expect(requestsTo('POST', `/v1/threads/${thread.id}/runs`)[0].body).toMatchObject({ stream: true, additional_instructions: 'Be kind.' });

    const listed = await client.beta.threads.messages.list(thread.id, { order: 'asc' });
    expect(listed.data.map((m) => [m.role, m.run_id])).toEqual([
      ['user', null],
      ['assistant', run.id],
    ]);
    const ofRun = await client.beta.threads.messages.list(thread.id, { run_id: run.id });
    expect(ofRun.data.map((m) => m.id)).toEqual([messages[0].id]);
    expect(fake.threads.get(thread.id)!.activeRunId).toBeUndefined();
  });

  it('createAndPoll completes a background run and counts turns', async () => {
    fake.runDurationMs = 150;
    const threadId = await threadWith('first');
    const created = await client.beta.threads.runs.create(threadId, { assistant_id: ASSISTANT });
    expect(created.status).toBe('queued');
    const polled = await client.beta.threads.runs.poll(created.id, { thread_id: threadId }, { pollIntervalMs: 50 });
    expect(polled.status).toBe('completed');
    expect(requestsTo('GET', `/v1/threads/${threadId}/runs/${created.id}`).length).toBeGreaterThanOrEqual(2);

    await client.beta.threads.messages.create(threadId, { role: 'user', content: 'second' });
    const second = await client.beta.threads.runs.createAndPoll(threadId, { assistant_id: ASSISTANT }, { pollIntervalMs: 50 });
    expect(second.status).toBe('completed');
    const [newest] = (await client.beta.threads.messages.list(threadId, { order: 'desc', limit: 1 })).data;
    expect(newest.content[0]).toMatchObject({ text: { value: 'Echo 2: second' } });
    expect(fake.threads.get(threadId)!.messages.map((m) => m.text)).toEqual(['first', 'Echo 1: first', 'second', 'Echo 2: second']);
  });

  it('rejects a second run and new messages while a run is active', async () => {
    fake.runDurationMs = 300;
    const threadId = await threadWith('hi');
    const run = await client.beta.threads.runs.create(threadId, { assistant_id: ASSISTANT });
    const busyRun = await rejection(client.beta.threads.runs.create(threadId, { assistant_id: ASSISTANT }));
    expect(busyRun).toBeInstanceOf(BadRequestError);
    expect(busyRun.error.message).toBe(`Thread ${threadId} already has an active run ${run.id}.`);
    const busyMessage = await rejection(client.beta.threads.messages.create(threadId, { role: 'user', content: 'more' }));
    expect(busyMessage.error.message).toBe(`Can't add messages to ${threadId} while a run ${run.id} is active.`);
  });

  const outcomes: Array<[RunOutcome, string | undefined, object]> = [
    ['failed', undefined, { last_error: { code: 'server_error' }, failed_at: expect.any(Number) }],
    ['failed', 'rate_limit_exceeded', { last_error: { code: 'rate_limit_exceeded' } }],
    ['expired', undefined, { last_error: null }],
    ['cancelled', undefined, { cancelled_at: expect.any(Number) }],
    ['incomplete', undefined, { incomplete_details: { reason: 'max_completion_tokens' } }],
  ];
  it.each(outcomes)('run-outcome %s (%s) ends the run, frees the thread and adds no answer', async (status, lastErrorCode, fields) => {
    fake.runDurationMs = 50;
    const threadId = await threadWith('hi');
    fake.inject({ kind: 'run-outcome', status, lastErrorCode });
    const run = await client.beta.threads.runs.createAndPoll(threadId, { assistant_id: ASSISTANT }, { pollIntervalMs: 20 });
    expect(run).toMatchObject({ status, ...fields });
    expect(fake.runs.get(run.id)!.cancelled).toBe(false);
    expect(fake.threads.get(threadId)!.activeRunId).toBeUndefined();
    expect(fake.threads.get(threadId)!.messages.map((m) => m.role)).toEqual(['user']);
    await client.beta.threads.messages.create(threadId, { role: 'user', content: 'next' });
  });

  it('run-outcome in a stream ends with the matching event and finalRun does not throw', async () => {
    const threadId = await threadWith('hi');
    fake.inject({ kind: 'run-outcome', status: 'failed' });
    const stream = client.beta.threads.runs.stream(threadId, { assistant_id: ASSISTANT });
    const events: string[] = [];
    stream.on('event', (event) => events.push(event.event));
    const run = await stream.finalRun();
    expect(run.status).toBe('failed');
    expect(events.at(-1)).toBe('thread.run.failed');
  });

  it('requires_action keeps the thread locked until runs.cancel', async () => {
    const threadId = await threadWith('hi');
    fake.inject({ kind: 'run-outcome', status: 'requires_action' });
    const run = await client.beta.threads.runs.createAndPoll(threadId, { assistant_id: ASSISTANT }, { pollIntervalMs: 20 });
    expect(run.status).toBe('requires_action');
    expect(run.required_action?.submit_tool_outputs.tool_calls).toHaveLength(1);
    expect(await rejection(client.beta.threads.messages.create(threadId, { role: 'user', content: 'x' }))).toBeInstanceOf(BadRequestError);

    const cancelling = await client.beta.threads.runs.cancel(run.id, { thread_id: threadId });
    expect(cancelling.status).toBe('cancelling');
    expect(fake.runs.get(run.id)).toMatchObject({ status: 'cancelled', cancelled: true });
    expect((await client.beta.threads.runs.retrieve(run.id, { thread_id: threadId })).status).toBe('cancelled');
    await client.beta.threads.messages.create(threadId, { role: 'user', content: 'x' });
  });

  it('stale-active-run blocks messages and runs until it is cancelled', async () => {
    const thread = await client.beta.threads.create();
    fake.inject({ kind: 'stale-active-run', threadId: thread.id });

    const blocked = await rejection(client.beta.threads.messages.create(thread.id, { role: 'user', content: 'hi' }));
    const staleRunId = fake.threads.get(thread.id)!.activeRunId!;
    expect(staleRunId).toMatch(/^run_/);
    expect(blocked).toBeInstanceOf(BadRequestError);
    expect(blocked.error.message).toBe(`Can't add messages to ${thread.id} while a run ${staleRunId} is active.`);
    const busy = await rejection(client.beta.threads.runs.create(thread.id, { assistant_id: ASSISTANT }));
    expect(busy.error.message).toBe(`Thread ${thread.id} already has an active run ${staleRunId}.`);
    expect((await client.beta.threads.runs.retrieve(staleRunId, { thread_id: thread.id })).status).toBe('in_progress');

    await client.beta.threads.runs.cancel(staleRunId, { thread_id: thread.id });
    expect(fake.runs.get(staleRunId)!.cancelled).toBe(true);
    await client.beta.threads.messages.create(thread.id, { role: 'user', content: 'hi' });
    const run = await client.beta.threads.runs.createAndPoll(thread.id, { assistant_id: ASSISTANT }, { pollIntervalMs: 20 });
    expect(run.status).toBe('completed');
  });

  it('a client abort mid-stream is recorded but the run goes on', async () => {
    fake.runDurationMs = 300;
    const threadId = await threadWith('keep going');
    const controller = new AbortController();
    const stream = client.beta.threads.runs.stream(threadId, { assistant_id: ASSISTANT }, { signal: controller.signal });
    stream.on('textDelta', () => controller.abort());
    expect(await rejection(stream.finalRun())).toBeInstanceOf(APIUserAbortError);

    const [runRequest] = requestsTo('POST', `/v1/threads/${threadId}/runs`);
    await waitFor(() => runRequest.aborted);
    const runId = fake.threads.get(threadId)!.activeRunId!;
    expect(fake.runs.get(runId)!.status).toBe('in_progress');
    await waitFor(() => fake.runs.get(runId)!.status === 'completed');
    expect(fake.threads.get(threadId)!.messages.at(-1)!.text).toBe('Echo 1: keep going');
  });

  it('stream-break drops the connection after N deltas', async () => {
    fake.runDurationMs = 100;
    const threadId = await threadWith('one two three');
    fake.inject({ kind: 'stream-break', route: 'POST /v1/threads/:id/runs', afterDeltas: 1 });
    const stream = client.beta.threads.runs.stream(threadId, { assistant_id: ASSISTANT });
    const deltas: string[] = [];
    stream.on('textDelta', (delta) => deltas.push(delta.value ?? ''));
    expect(await rejection(stream.finalRun())).toBeInstanceOf(Error);
    expect(deltas).toEqual(['Echo ']);
    expect(requestsTo('POST', `/v1/threads/${threadId}/runs`)[0].aborted).toBe(false);
  });

  it('rejects calls without the assistants=v2 beta header', async () => {
    const without = await fetch(`${fake.baseURL}/threads`, { method: 'POST', headers: { authorization: 'Bearer sk-test' } });
    expect(without.status).toBe(400);
    expect(without.headers.get('x-request-id')).toMatch(/^req_/);
    expect(await without.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'invalid_beta' } });
    expect(fake.threads.size).toBe(0);

    const withHeader = await fetch(`${fake.baseURL}/threads`, { method: 'POST', headers: V2 });
    expect(withHeader.status).toBe(200);
    expect(((await withHeader.json()) as { id: string }).id).toMatch(/^thread_/);
  });

  it('404s for unknown threads and runs; deletes threads', async () => {
    expect(await rejection(client.beta.threads.messages.create('thread_nope', { role: 'user', content: 'x' }))).toBeInstanceOf(NotFoundError);
    const thread = await client.beta.threads.create();
    expect(await rejection(client.beta.threads.runs.retrieve('run_nope', { thread_id: thread.id }))).toBeInstanceOf(NotFoundError);
    expect(await client.beta.threads.delete(thread.id)).toEqual({ id: thread.id, object: 'thread.deleted', deleted: true });
    expect(await rejection(client.beta.threads.runs.create(thread.id, { assistant_id: ASSISTANT }))).toBeInstanceOf(NotFoundError);
  });
});

/** The id of an output item, whatever its type (only messages in this fake). */
function outputId(item: OpenAI.Responses.ResponseOutputItem | OpenAI.Conversations.ConversationItem): string | undefined {
  return 'id' in item ? item.id : undefined;
}

async function listedItems(conversation: string) {
  return (await client.conversations.items.list(conversation, { order: 'asc', limit: 100 })).data;
}

describe('conversation items of a turn', () => {
  it('are the input item and the output item, whose id is the response output id (non-streamed)', async () => {
    const conversation = await newConversation();
    const response = await ask(conversation, 'hello');
    const items = await listedItems(conversation);
    expect(items.map((i) => i.type === 'message' && [i.role, i.status])).toEqual([
      ['user', 'completed'],
      ['assistant', 'completed'],
    ]);
    expect(items[0].id).toMatch(/^msg_/);
    expect(items[1].id).toBe(outputId(response.output[0]));
    expect(items[0].id).not.toBe(items[1].id);
  });

  it('are the same when streamed: the item events, the final response and the conversation share the id', async () => {
    const conversation = await newConversation();
    const ids: Array<string | undefined> = [];
    for await (const event of await askStreaming(conversation, 'stream me')) {
      if (event.type === 'response.output_item.added' || event.type === 'response.output_item.done') ids.push(outputId(event.item));
      if (event.type === 'response.output_text.delta') ids.push(event.item_id);
      if (event.type === 'response.completed') ids.push(outputId(event.response.output[0]));
    }
    const items = await listedItems(conversation);
    expect(ids.length).toBeGreaterThan(3);
    expect(new Set(ids)).toEqual(new Set([items[1].id]));
    expect(itemTexts(conversation)).toEqual(['user: stream me', 'assistant: Echo 1: stream me']);
  });

  it('items.delete answers the conversation, 404s for an unknown item, and takes the turn out of memory', async () => {
    const conversation = await client.conversations.create({ metadata: { user: 'u1' } });
    await ask(conversation.id, 'one');
    expect((await ask(conversation.id, 'two')).output_text).toBe('Echo 2: two');

    const [question, answer] = await listedItems(conversation.id);
    for (const item of [question, answer]) {
      const deleted = await client.conversations.items.delete(item.id!, { conversation_id: conversation.id });
      expect(deleted).toEqual({ id: conversation.id, object: 'conversation', created_at: conversation.created_at, metadata: { user: 'u1' } });
    }
    expect(itemTexts(conversation.id)).toEqual(['user: two', 'assistant: Echo 2: two']);
    expect((await ask(conversation.id, 'three')).output_text).toBe('Echo 2: three');

    const gone = await rejection(client.conversations.items.delete(question.id!, { conversation_id: conversation.id }));
    expect(gone).toBeInstanceOf(NotFoundError);
    expect(gone.error).toMatchObject({ message: `Item with id '${question.id}' not found.`, type: 'invalid_request_error' });
    const noConversation = await rejection(client.conversations.items.delete(question.id!, { conversation_id: 'conv_missing' }));
    expect(noConversation).toBeInstanceOf(NotFoundError);
  });

  it('lists with order, limit and after like the real API', async () => {
    const conversation = await newConversation();
    for (const input of ['one', 'two', 'three']) await ask(conversation, input);
    const asc = (await listedItems(conversation)).map((i) => i.id);
    expect(asc).toHaveLength(6);

    const newest = await client.conversations.items.list(conversation, { limit: 2 });
    expect(newest.data.map((i) => i.id)).toEqual([asc[5], asc[4]]);
    expect(newest).toMatchObject({ has_more: true, last_id: asc[4] });
    const older = await client.conversations.items.list(conversation, { limit: 3, after: asc[4] });
    expect(older.data.map((i) => i.id)).toEqual([asc[3], asc[2], asc[1]]);
    expect(older.has_more).toBe(true);
    const rest = await client.conversations.items.list(conversation, { order: 'asc', after: asc[3] });
    expect(rest.data.map((i) => i.id)).toEqual([asc[4], asc[5]]);
    expect(rest).toMatchObject({ has_more: false, last_id: asc[5] });
    expect(requestsTo('GET', `/v1/conversations/${conversation}/items`).at(-1)!.query).toEqual({ order: 'asc', after: asc[3] });
  });
});

describe('aborted streams (abortedStreamJoins)', () => {
  /** Streams `input` and aborts on the first delta; returns the output item id the stream announced. */
  async function abortOnFirstDelta(conversation: string, input: string): Promise<string | undefined> {
    fake.streamDeltaDelayMs = 100;
    const controller = new AbortController();
    const stream = await client.responses.create({ model: MODEL, conversation, input, stream: true }, { signal: controller.signal });
    let itemId: string | undefined;
    for await (const event of stream) {
      if (event.type === 'response.output_item.added') itemId = outputId(event.item);
      if (event.type === 'response.output_text.delta') controller.abort();
    }
    expect(controller.signal.aborted).toBe(true);
    await waitFor(() => requestsTo('POST', '/v1/responses').at(-1)!.aborted);
    fake.streamDeltaDelayMs = 0;
    return itemId;
  }

  it("defaults to 'nothing': the conversation and the turn count stay as they were", async () => {
    expect(fake.abortedStreamJoins).toBe('nothing');
    const conversation = await newConversation();
    await abortOnFirstDelta(conversation, 'lost words');
    expect(fake.conversations.get(conversation)!.items).toEqual([]);
    expect((await ask(conversation, 'next')).output_text).toBe('Echo 1: next');
    expect(fake.reportedUsage).toHaveLength(1);
  });

  it("'input' keeps the user input, which then counts as a turn", async () => {
    fake.abortedStreamJoins = 'input';
    const conversation = await newConversation();
    await abortOnFirstDelta(conversation, 'lost words');
    expect(itemTexts(conversation)).toEqual(['user: lost words']);
    expect((await ask(conversation, 'next')).output_text).toBe('Echo 2: next');
  });

  it("'input-and-partial-output' also keeps the output as far as it was streamed, marked incomplete", async () => {
    fake.abortedStreamJoins = 'input-and-partial-output';
    const conversation = await newConversation();
    const itemId = await abortOnFirstDelta(conversation, 'lost words');
    const items = await listedItems(conversation);
    expect(items.map((i) => i.type === 'message' && [i.role, i.status])).toEqual([
      ['user', 'completed'],
      ['assistant', 'incomplete'],
    ]);
    expect(items[1]).toMatchObject({ id: itemId, content: [{ type: 'output_text', text: 'Echo ' }] });
  });

  it('a stream-break counts as an aborted stream', async () => {
    fake.abortedStreamJoins = 'input';
    const conversation = await newConversation();
    fake.inject({ kind: 'stream-break', route: 'POST /v1/responses', afterDeltas: 1 });
    const drain = async () => {
      for await (const _event of await askStreaming(conversation, 'cut')) {
        // until the break
      }
    };
    expect(await rejection(drain())).toMatchObject({ message: 'terminated' });
    await waitFor(() => fake.conversations.get(conversation)!.items.length > 0);
    expect(itemTexts(conversation)).toEqual(['user: cut']);
  });

  it.each(['failed', 'incomplete', 'cancelled'] as const)('status %s adds nothing, whatever the setting', async (status) => {
    fake.abortedStreamJoins = 'input-and-partial-output';
    const conversation = await newConversation();
    fake.inject({ kind: 'response-status', status });
    expect((await ask(conversation, 'hi')).status).toBe(status);
    fake.inject({ kind: 'response-status', status });
    for await (const _event of await askStreaming(conversation, 'hi')) {
      // drain
    }
    expect(fake.conversations.get(conversation)!.items).toEqual([]);
  });
});

describe('thread messages', () => {
  async function runToEnd(threadId: string) {
    return client.beta.threads.runs.createAndPoll(threadId, { assistant_id: ASSISTANT }, { pollIntervalMs: 20 });
  }

  async function say(threadId: string, content: string) {
    return client.beta.threads.messages.create(threadId, { role: 'user', content });
  }

  it('messages.delete answers thread.message.deleted, 404s for an unknown message, and takes it out of memory', async () => {
    const thread = await client.beta.threads.create();
    const first = await say(thread.id, 'first');
    await runToEnd(thread.id);
    await say(thread.id, 'second');
    await runToEnd(thread.id);
    const [, firstAnswer] = (await client.beta.threads.messages.list(thread.id, { order: 'asc' })).data;

    for (const id of [first.id, firstAnswer.id]) {
      expect(await client.beta.threads.messages.delete(id, { thread_id: thread.id })).toEqual({ id, object: 'thread.message.deleted', deleted: true });
    }
    expect(fake.threads.get(thread.id)!.messages.map((m) => m.text)).toEqual(['second', 'Echo 2: second']);
    await say(thread.id, 'third');
    await runToEnd(thread.id);
    expect(fake.threads.get(thread.id)!.messages.at(-1)!.text).toBe('Echo 2: third');

    const gone = await rejection(client.beta.threads.messages.delete(first.id, { thread_id: thread.id }));
    expect(gone).toBeInstanceOf(NotFoundError);
    expect(gone.error.message).toBe(`No message found with id '${first.id}'.`);
  });

  it('refuses to delete while a run is active', async () => {
    fake.runDurationMs = 200;
    const thread = await client.beta.threads.create();
    const message = await say(thread.id, 'hi');
    const run = await client.beta.threads.runs.create(thread.id, { assistant_id: ASSISTANT });
    const busy = await rejection(client.beta.threads.messages.delete(message.id, { thread_id: thread.id }));
    expect(busy).toBeInstanceOf(BadRequestError);
    expect(busy.error).toMatchObject({ message: `Can't delete messages in ${thread.id} while a run ${run.id} is active.`, type: 'invalid_request_error' });

    await client.beta.threads.runs.poll(run.id, { thread_id: thread.id }, { pollIntervalMs: 20 });
    expect((await client.beta.threads.messages.delete(message.id, { thread_id: thread.id })).deleted).toBe(true);
  });

  it('the streamed message events carry the id of the message the run adds', async () => {
    const thread = await client.beta.threads.create();
    await say(thread.id, 'hi');
    const stream = client.beta.threads.runs.stream(thread.id, { assistant_id: ASSISTANT });
    const ids: string[] = [];
    stream.on('event', (event) => {
      if (event.event === 'thread.message.created' || event.event === 'thread.message.completed') ids.push(event.data.id);
      if (event.event === 'thread.message.delta') ids.push(event.data.id);
    });
    await stream.finalRun();
    const [added] = (await client.beta.threads.messages.list(thread.id, { limit: 1 })).data;
    expect(added.role).toBe('assistant');
    expect(ids.length).toBeGreaterThan(2);
    expect(new Set(ids)).toEqual(new Set([added.id]));
  });
});

describe('usage (words stand in for tokens)', () => {
  it('a response carries usage, and reportedUsage says the same', async () => {
    const conversation = await newConversation();
    const first = await client.responses.create({ model: MODEL, conversation, input: 'hello there', instructions: 'Be brief.' });
    const second = await ask(conversation, 'again');
    // first: 'Be brief.' + 'hello there' in, 'Echo 1: hello there' out; second sees the first turn too.
    expect(first.usage).toEqual({
      input_tokens: 4,
      output_tokens: 4,
      total_tokens: 8,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens_details: { reasoning_tokens: 0 },
    });
    expect(second.usage).toMatchObject({ input_tokens: 7, output_tokens: 3, total_tokens: 10 });
    expect(fake.reportedUsage).toEqual([
      { kind: 'response', id: first.id, conversationOrThreadId: conversation, input: 4, output: 4, total: 8 },
      { kind: 'response', id: second.id, conversationOrThreadId: conversation, input: 7, output: 3, total: 10 },
    ]);
  });

  it('a streamed response carries usage in response.completed only', async () => {
    const response = await client.responses.create({ model: MODEL, input: 'no conversation', stream: true });
    const usages = [];
    for await (const event of response) if ('response' in event) usages.push([event.type, event.response.usage]);
    expect(usages).toEqual([
      ['response.created', null],
      ['response.in_progress', null],
      ['response.completed', expect.objectContaining({ input_tokens: 2, output_tokens: 4, total_tokens: 6 })],
    ]);
    expect(fake.reportedUsage).toEqual([{ kind: 'response', id: expect.stringMatching(/^resp_/), conversationOrThreadId: null, input: 2, output: 4, total: 6 }]);
  });

  it('a terminal run carries usage in the run and in thread.run.completed; reset() clears the record', async () => {
    const thread = await client.beta.threads.create();
    await client.beta.threads.messages.create(thread.id, { role: 'user', content: 'hello there' });
    const stream = client.beta.threads.runs.stream(thread.id, { assistant_id: ASSISTANT });
    const completed: unknown[] = [];
    stream.on('event', (event) => {
      if (event.event === 'thread.run.completed') completed.push(event.data.usage);
    });
    const run = await stream.finalRun();
    const usage = { prompt_tokens: 2, completion_tokens: 4, total_tokens: 6 };
    expect(run.usage).toEqual(usage);
    expect(completed).toEqual([usage]);
    expect((await client.beta.threads.runs.retrieve(run.id, { thread_id: thread.id })).usage).toEqual(usage);
    expect(fake.reportedUsage).toEqual([{ kind: 'run', id: run.id, conversationOrThreadId: thread.id, input: 2, output: 4, total: 6 }]);
    fake.reset();
    expect(fake.reportedUsage).toEqual([]);
  });

  it('failed and cancelled runs report usage too: the prompt and what was written', async () => {
    fake.runDurationMs = 300;
    const thread = await client.beta.threads.create();
    await client.beta.threads.messages.create(thread.id, { role: 'user', content: 'one two three' });
    fake.inject({ kind: 'run-outcome', status: 'failed' });
    const failed = await client.beta.threads.runs.createAndPoll(thread.id, { assistant_id: ASSISTANT }, { pollIntervalMs: 20 });
    expect(failed.usage).toEqual({ prompt_tokens: 3, completion_tokens: 0, total_tokens: 3 });

    fake.runDurationMs = 1000;
    const stream = client.beta.threads.runs.stream(thread.id, { assistant_id: ASSISTANT });
    stream.once('textDelta', () => void client.beta.threads.runs.cancel(stream.currentRun()!.id, { thread_id: thread.id }));
    const run = await stream.finalRun();
    const cancelled = await client.beta.threads.runs.retrieve(run.id, { thread_id: thread.id });
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.usage!.prompt_tokens).toBe(3);
    expect(cancelled.usage!.completion_tokens).toBeGreaterThan(0);
    expect(cancelled.usage!.completion_tokens).toBeLessThan(5);
    expect(fake.reportedUsage.map((u) => [u.kind, u.id, u.total])).toEqual([
      ['run', failed.id, 3],
      ['run', run.id, cancelled.usage!.total_tokens],
    ]);
  });
});

describe('per-request model settings', () => {
  const longInput = Array.from({ length: 20 }, (_, i) => `w${i}`).join(' ');

  it('a response echoes model, temperature and max_output_tokens, and stops at max_output_tokens words', async () => {
    const conversation = await newConversation();
    const response = await client.responses.create({ model: 'gpt-5-mini', conversation, input: longInput, temperature: 0.5, max_output_tokens: 16 });
    expect(response).toMatchObject({ model: 'gpt-5-mini', temperature: 0.5, max_output_tokens: 16, status: 'incomplete' });
    expect(response.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect(response.output_text.trim().split(' ')).toHaveLength(16);
    expect(response.usage).toMatchObject({ input_tokens: 20, output_tokens: 16 });
    expect(fake.conversations.get(conversation)!.items).toEqual([]);

    const streamed = await client.responses.stream({ model: 'gpt-5', conversation, input: 'hi', temperature: 0, max_output_tokens: 100 }).finalResponse();
    expect(streamed).toMatchObject({ model: 'gpt-5', temperature: 0, max_output_tokens: 100, status: 'completed' });
  });

  it('max_output_tokens below 16 is a 400, as the real API', async () => {
    const err = await rejection(client.responses.create({ model: MODEL, input: 'hi', max_output_tokens: 15 }));
    expect(err).toBeInstanceOf(BadRequestError);
    expect(err).toMatchObject({ param: 'max_output_tokens', code: 'integer_below_min_value' });
  });

  it('a run echoes its model, temperature and max_completion_tokens overrides, else the assistant defaults', async () => {
    const thread = await client.beta.threads.create();
    await client.beta.threads.messages.create(thread.id, { role: 'user', content: 'hi' });
    const poll = { pollIntervalMs: 20 };
    const plain = await client.beta.threads.runs.createAndPoll(thread.id, { assistant_id: ASSISTANT }, poll);
    expect(plain).toMatchObject({ model: 'gpt-4o', temperature: 1, max_completion_tokens: null });

    fake.assistantDefaults = { model: 'gpt-4.1', temperature: 0.7 };
    const defaults = await client.beta.threads.runs.createAndPoll(thread.id, { assistant_id: ASSISTANT }, poll);
    expect(defaults).toMatchObject({ model: 'gpt-4.1', temperature: 0.7 });

    const overridden = await client.beta.threads.runs.createAndPoll(
      thread.id,
      { assistant_id: ASSISTANT, model: 'gpt-4o-mini', temperature: 0.2, max_completion_tokens: 500 },
      poll,
    );
    expect(overridden).toMatchObject({ model: 'gpt-4o-mini', temperature: 0.2, max_completion_tokens: 500, status: 'completed' });
    expect(requestsTo('POST', `/v1/threads/${thread.id}/runs`).at(-1)!.body).toMatchObject({ model: 'gpt-4o-mini', max_completion_tokens: 500 });
  });

  it('a run stops at max_completion_tokens words: incomplete, and its message does not join', async () => {
    const thread = await client.beta.threads.create();
    await client.beta.threads.messages.create(thread.id, { role: 'user', content: longInput });
    const run = await client.beta.threads.runs.createAndPoll(thread.id, { assistant_id: ASSISTANT, max_completion_tokens: 5 }, { pollIntervalMs: 20 });
    expect(run).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_completion_tokens' } });
    expect(run.usage).toEqual({ prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 });
    expect(fake.threads.get(thread.id)!.messages).toHaveLength(1);
  });

  it('knownModels makes any other model a 400 model_not_found', async () => {
    fake.knownModels = new Set([MODEL]);
    const err = await rejection(client.responses.create({ model: 'gpt-nope', input: 'hi' }));
    expect(err).toBeInstanceOf(BadRequestError);
    expect(err).toMatchObject({ status: 400, param: 'model', code: 'model_not_found', type: 'invalid_request_error' });
    expect(err.error.message).toBe("The requested model 'gpt-nope' does not exist.");
    expect((await client.responses.create({ model: MODEL, input: 'hi' })).status).toBe('completed');

    const thread = await client.beta.threads.create();
    await client.beta.threads.messages.create(thread.id, { role: 'user', content: 'hi' });
    const runErr = await rejection(client.beta.threads.runs.create(thread.id, { assistant_id: ASSISTANT, model: 'gpt-nope' }));
    expect(runErr).toMatchObject({ status: 400, param: 'model', code: 'model_not_found' });
    expect(fake.threads.get(thread.id)!.activeRunId).toBeUndefined();
    // Without an override the run uses the assistant's model, which the fake does not check.
    expect((await client.beta.threads.runs.create(thread.id, { assistant_id: ASSISTANT })).status).toBe('queued');
  });
});

describe('countRequests', () => {
  it('counts attempts per route pattern or concrete path, retries included', async () => {
    const retrying = new OpenAI({ apiKey: 'sk-test', baseURL: fake.baseURL, maxRetries: 1, timeout: 5000 });
    const conversation = await newConversation();
    fake.inject({ kind: 'status', route: 'POST /v1/responses', status: 500, headers: { 'retry-after-ms': '0' } });
    await retrying.responses.create({ model: MODEL, conversation, input: 'hi' });
    await client.conversations.items.list(conversation);

    expect(fake.countRequests('POST /v1/responses')).toBe(2);
    expect(fake.countRequests('POST /v1/conversations')).toBe(1);
    expect(fake.countRequests('GET /v1/conversations/:conversationId/items')).toBe(1);
    expect(fake.countRequests(`GET /v1/conversations/${conversation}/items`)).toBe(1);
    expect(fake.countRequests('GET /v1/conversations/:id')).toBe(0);
    expect(fake.countRequests('DELETE /v1/conversations/:id/items/:itemId')).toBe(0);
  });
});
