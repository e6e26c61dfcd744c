import { readFile } from 'node:fs/promises';
import request from 'supertest';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { abandonStream, postStream } from './support/sse';
import { startTestApp, type TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';

const API_KEY = 'sk-test-canary-0123456789';

describe('chat over OpenAI Conversations + Responses (real SDK, fake upstream)', () => {
  let fake: FakeOpenAiServer;
  let app: TestApp;

  const boot = async (env: Record<string, string> = {}) => {
    app = await startTestApp({
      OPENAI_API_KEY: API_KEY,
      OPENAI_BASE_URL: fake.baseURL,
      OPENAI_MAX_RETRIES: '0',
      OPENAI_MODEL: 'gpt-test-mini',
      ...env,
    });
  };
  const chat = (body: object) => request(app.url).post('/api/chat').send(body);
  const loggedUsers = async (): Promise<Record<string, unknown[]>> => {
    try {
      return JSON.parse(await readFile(app.logPath, 'utf8')) as Record<string, unknown[]>;
    } catch {
      return {};
    }
  };

  beforeEach(async () => {
    fake = await FakeOpenAiServer.start();
  });

  afterEach(async () => {
    await app?.close();
    await fake.stop();
    expect(fake.unexpected).toEqual([]);
  });

  it('defaults to responses mode with a key, and keeps one conversation per user', async () => {
    await boot({ OPENAI_INSTRUCTIONS: 'Be brief.', OPENAI_TEMPERATURE: '0.3', OPENAI_MAX_OUTPUT_TOKENS: '256' });
    const health = await request(app.url).get('/api/health').expect(200);
    expect(health.body.checks.assistant.mode).toBe('responses');

    const first = await chat({ user_id: 'ann', message: 'Hello' }).expect(200);
    const [reported] = fake.reportedUsage;
    expect(first.body).toEqual({
      answer: fake.answerFor('Hello', 1),
      user_id: 'ann',
      thread_id: expect.stringMatching(/^conv_/),
      usage: { input_tokens: reported.input, output_tokens: reported.output, total_tokens: reported.total },
    });
    const second = await chat({ user_id: 'ann', message: 'Again' }).expect(200);
    expect(second.body.answer).toBe(fake.answerFor('Again', 2));
    expect(second.body.thread_id).toBe(first.body.thread_id);

    expect(fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/conversations')).toHaveLength(1);
    const responses = fake.requests.filter((r) => r.path === '/v1/responses');
    expect(responses).toHaveLength(2);
    for (const sent of responses) {
      expect(sent.body).toMatchObject({
        model: 'gpt-test-mini',
        conversation: first.body.thread_id,
        instructions: 'Be brief.',
        temperature: 0.3,
        max_output_tokens: 256,
      });
      expect(sent.headers.authorization).toBe(`Bearer ${API_KEY}`);
    }
    expect(responses.map((r) => (r.body as { input: string }).input)).toEqual(['Hello', 'Again']);
  });

  it('never has two requests in flight on one conversation, and answers every one in turn', async () => {
    await boot();
    fake.latencyMs = 30;
    await chat({ user_id: 'solo', message: 'warm-up' }).expect(200);
    const replies = await Promise.all(Array.from({ length: 6 }, (_, i) => chat({ user_id: 'solo', message: `q${i}` })));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(fake.maxConcurrentPerConversation()).toBe(1);
    const turns = replies.map((r) => Number(/Echo (\d+):/.exec(r.body.answer)?.[1])).sort((a, b) => a - b);
    expect(turns).toEqual([2, 3, 4, 5, 6, 7]);
    expect((await loggedUsers()).solo).toHaveLength(7);
  });

  it('answers different users in parallel', async () => {
    await boot();
    fake.latencyMs = 300;
    const started = Date.now();
    const replies = await Promise.all(['u1', 'u2', 'u3', 'u4'].map((user) => chat({ user_id: user, message: 'hi' })));
    expect(replies.every((r) => r.status === 200)).toBe(true);
    // In series this would take 4 x (conversation + response) x 300 ms = 2.4 s.
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it.each([
    ['an upstream 500', { kind: 'status', route: 'POST /v1/responses', status: 500 }, 502, 'UPSTREAM_FAILED'],
    ['an upstream 401', { kind: 'status', route: 'POST /v1/responses', status: 401, body: { error: { message: `Incorrect API key provided: ${API_KEY}`, type: 'invalid_request_error', code: 'invalid_api_key', param: null } } }, 502, 'UPSTREAM_REJECTED'],
    ['malformed JSON from upstream', { kind: 'malformed-json', route: 'POST /v1/responses' }, 502, 'UPSTREAM_FAILED'],
    ['a dropped connection', { kind: 'reset', route: 'POST /v1/responses' }, 502, 'UPSTREAM_UNREACHABLE'],
    ['a failed response', { kind: 'response-status', route: 'POST /v1/responses', status: 'failed' }, 502, 'UPSTREAM_FAILED'],
    ['an incomplete response', { kind: 'response-status', route: 'POST /v1/responses', status: 'incomplete' }, 502, 'UPSTREAM_FAILED'],
  ] as const)('maps %s to %i, logs nothing and recovers', async (_name, fault, status, code) => {
    await boot();
    fake.inject(fault as never);
    const failed = await chat({ user_id: 'f', message: 'hi' }).expect(status);
    expect(failed.body).toEqual({ statusCode: status, error: expect.any(String), message: expect.any(String), code, requestId: expect.any(String) });
    expect(JSON.stringify(failed.body)).not.toContain(API_KEY);
    expect(JSON.stringify(failed.body)).not.toContain('stack');
    expect(await loggedUsers()).toEqual({});
    const next = await chat({ user_id: 'f', message: 'again' }).expect(200);
    expect(next.body.answer).toBe(fake.answerFor('again', 1));
  });

  it('maps an upstream 429 to 503 with the upstream Retry-After', async () => {
    await boot();
    fake.inject({ kind: 'status', route: 'POST /v1/responses', status: 429, headers: { 'retry-after': '7' } });
    const response = await chat({ user_id: 'r', message: 'hi' }).expect(503);
    expect(response.headers['retry-after']).toBe('7');
    expect(response.body.code).toBe('UPSTREAM_RATE_LIMITED');
  });

  it('does not sit out a long upstream Retry-After: 503 at once, passing the wait on to the client', async () => {
    await boot({ OPENAI_MAX_RETRIES: '2' });
    fake.inject({ kind: 'status', route: 'POST /v1/responses', status: 429, headers: { 'retry-after': '30' }, times: 3 });
    const started = Date.now();
    const response = await chat({ user_id: 'wait', message: 'hi' }).expect(503);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(response.headers['retry-after']).toBe('30');
    expect(fake.requests.filter((r) => r.path === '/v1/responses')).toHaveLength(1);
    // A short wait is still retried by the SDK, as OPENAI_MAX_RETRIES says.
    fake.reset();
    fake.inject({ kind: 'status', route: 'POST /v1/responses', status: 429, headers: { 'retry-after-ms': '50' } });
    await chat({ user_id: 'wait2', message: 'hi' }).expect(200);
  });

  it('maps an upstream that does not answer within OPENAI_TIMEOUT_MS to 504', async () => {
    await boot({ OPENAI_TIMEOUT_MS: '300' });
    fake.inject({ kind: 'hang', route: 'POST /v1/responses' });
    const response = await chat({ user_id: 't', message: 'hi' }).expect(504);
    expect(response.body).toMatchObject({ statusCode: 504, error: 'Gateway Timeout', code: 'UPSTREAM_TIMEOUT' });
  });

  it('retries the SDK way (500 once, then an answer) when OPENAI_MAX_RETRIES allows', async () => {
    await boot({ OPENAI_MAX_RETRIES: '1' });
    fake.inject({ kind: 'status', route: 'POST /v1/responses', status: 500 });
    const response = await chat({ user_id: 'retry', message: 'hi' }).expect(200);
    expect(response.body.answer).toBe(fake.answerFor('hi', 1));
  });

  it('waits out a conversation locked by another process and then answers', async () => {
    await boot();
    fake.inject({ kind: 'conversation-locked', route: 'POST /v1/responses', times: 2 });
    const response = await chat({ user_id: 'locked', message: 'hi' }).expect(200);
    expect(response.body.answer).toBe(fake.answerFor('hi', 1));
    expect(fake.requests.filter((r) => r.path === '/v1/responses')).toHaveLength(3);
  });

  it('replaces a conversation the upstream no longer knows, and the user notices nothing', async () => {
    await boot();
    const first = await chat({ user_id: 'gone', message: 'one' }).expect(200);
    fake.conversations.delete(first.body.thread_id);
    const second = await chat({ user_id: 'gone', message: 'two' }).expect(200);
    expect(second.body.thread_id).not.toBe(first.body.thread_id);
    expect(second.body.answer).toBe(fake.answerFor('two', 1));
    const third = await chat({ user_id: 'gone', message: 'three' }).expect(200);
    expect(third.body.thread_id).toBe(second.body.thread_id);
  });

  it('streams deltas that add up to the answer, logs the exchange before done', async () => {
    await boot();
    const { status, headers, events } = await postStream(app.url, { user_id: 'st', message: 'stream me please' });
    expect(status).toBe(200);
    expect(headers.get('cache-control')).toContain('no-cache');
    expect(headers.get('x-accel-buffering')).toBe('no');
    const deltas = events.filter((e) => e.event === 'delta').map((e) => (e.data as { text: string }).text);
    expect(deltas.length).toBeGreaterThan(1);
    const done = events.at(-1)!;
    expect(done.event).toBe('done');
    expect(done.data).toEqual({
      answer: deltas.join(''),
      user_id: 'st',
      thread_id: expect.stringMatching(/^conv_/),
      usage: expect.objectContaining({ total_tokens: expect.any(Number) }),
      timing: { upstream_ms: expect.any(Number), app_ms: expect.any(Number) },
    });
    expect(deltas.join('')).toBe(fake.answerFor('stream me please', 1));
    const [reported] = fake.reportedUsage;
    expect((await loggedUsers()).st).toEqual([
      {
        user: 'stream me please',
        bot: deltas.join(''),
        timestamp: expect.any(Number),
        model: 'gpt-test-mini',
        usage: { input_tokens: reported.input, output_tokens: reported.output, total_tokens: reported.total },
      },
    ]);
  });

  it('ends a stream that breaks upstream with an error event and logs nothing', async () => {
    await boot();
    fake.inject({ kind: 'stream-break', route: 'POST /v1/responses', afterDeltas: 2 });
    const { status, events } = await postStream(app.url, { user_id: 'br', message: 'one two three four five' });
    expect(status).toBe(200);
    expect(events.filter((e) => e.event === 'delta')).toHaveLength(2);
    expect(events.at(-1)).toEqual({ event: 'error', data: expect.objectContaining({ statusCode: 502 }) });
    expect(await loggedUsers()).toEqual({});
  });

  it('answers a stream that fails before it begins with a plain JSON error', async () => {
    await boot();
    fake.inject({ kind: 'status', route: 'POST /v1/responses', status: 401 });
    const { status, json } = await postStream(app.url, { user_id: 'pre', message: 'hi' });
    expect(status).toBe(502);
    expect(json).toMatchObject({ statusCode: 502, code: 'UPSTREAM_REJECTED' });
  });

  it('aborts the upstream request when the client disconnects mid-stream, and the next request works', async () => {
    await boot();
    fake.streamDeltaDelayMs = 100;
    await abandonStream(app.url, { user_id: 'quit', message: 'a long answer with many words in it' });
    await waitFor(() => fake.requests.some((r) => r.path === '/v1/responses' && r.aborted));
    const next = await chat({ user_id: 'quit', message: 'still there?' }).expect(200);
    expect(next.body.answer).toBe(fake.answerFor('still there?', 1));
    expect((await loggedUsers()).quit).toHaveLength(1);
  });

  it('deletes the upstream conversation on DELETE /api/chat/thread, best effort', async () => {
    await boot();
    const first = await chat({ user_id: 'del', message: 'hi' }).expect(200);
    await request(app.url).delete('/api/chat/thread').query({ user_id: 'del' }).expect(204);
    expect(fake.requests.some((r) => r.method === 'DELETE' && r.path === `/v1/conversations/${first.body.thread_id}`)).toBe(true);
    const second = await chat({ user_id: 'del', message: 'hi' }).expect(200);
    fake.inject({ kind: 'status', route: 'DELETE /v1/conversations/:id', status: 500 });
    await request(app.url).delete('/api/chat/thread').query({ user_id: 'del' }).expect(204);
    const third = await chat({ user_id: 'del', message: 'hi' }).expect(200);
    expect(new Set([first.body.thread_id, second.body.thread_id, third.body.thread_id]).size).toBe(3);
  });
});
