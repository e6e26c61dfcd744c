import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { abandonStream, postStream } from './support/sse';
import { makeTempDir, startTestApp, type TestApp } from './support/test-app';

describe('chat with the local assistant', () => {
  let app: TestApp;

  beforeEach(async () => {
    app = await startTestApp({ ASSISTANT_API: 'local', MESSAGE_MAX_CHARS: '20' });
  });

  afterEach(async () => {
    await app.close();
  });

  const chat = (body: unknown) => request(app.url).post('/api/chat').send(body as object);

  it('answers, remembers the conversation and reuses the thread', async () => {
    const first = await chat({ user_id: 'alice', message: 'Hello' }).expect(200);
    expect(first.body).toEqual({ answer: expect.stringContaining('Turn 1'), user_id: 'alice', thread_id: expect.stringMatching(/^local_/) });
    const second = await chat({ user_id: 'alice', message: 'And again' }).expect(200);
    expect(second.body.answer).toContain('Turn 2');
    expect(second.body.answer).toContain('Before that you said: "Hello"');
    expect(second.body.thread_id).toBe(first.body.thread_id);
  });

  it('gives each request without user_id its own anon- user and conversation', async () => {
    const [a, b] = await Promise.all([chat({ message: 'hi' }).expect(200), chat({ message: 'hi' }).expect(200)]);
    expect(a.body.user_id).toMatch(/^anon-[0-9a-f-]{36}$/);
    expect(b.body.user_id).toMatch(/^anon-[0-9a-f-]{36}$/);
    expect(a.body.user_id).not.toBe(b.body.user_id);
    expect(a.body.thread_id).not.toBe(b.body.thread_id);
  });

  it('trims the message before checking and sending it', async () => {
    const { body } = await chat({ user_id: 'trim', message: '   padded   ' }).expect(200);
    expect(body.answer).toContain('You said: "padded"');
  });

  it.each([
    ['a missing message', { user_id: 'u' }, 'message must be a string'],
    ['a message of spaces', { message: '    ' }, 'message must be 1 to 20 characters long after trimming'],
    ['a message over MESSAGE_MAX_CHARS', { message: 'x'.repeat(21) }, 'message must be 1 to 20 characters long after trimming'],
    ['a number as message', { message: 42 }, 'message must be a string'],
    ['an unknown field', { message: 'hi', admin: true }, 'property admin should not exist'],
    ['a null user_id', { message: 'hi', user_id: null }, 'user_id must be a string'],
    ['an empty user_id', { message: 'hi', user_id: '' }, 'user_id must be 1 to 128 characters of A-Z a-z 0-9 . _ : @ -'],
    ['a user_id with a slash', { message: 'hi', user_id: 'a/b' }, 'user_id must be 1 to 128 characters of A-Z a-z 0-9 . _ : @ -'],
    ['a user_id of 129 characters', { message: 'hi', user_id: 'u'.repeat(129) }, 'user_id must be 1 to 128 characters of A-Z a-z 0-9 . _ : @ -'],
  ])('rejects %s with 400 and the error shape', async (_name, body, expected) => {
    const response = await chat(body).expect(400);
    expect(response.body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: expect.arrayContaining([expected]),
      code: 'VALIDATION_FAILED',
      requestId: expect.any(String),
    });
  });

  it('counts characters, not UTF-16 units: 20 emoji fit in MESSAGE_MAX_CHARS=20', async () => {
    await chat({ user_id: 'emoji', message: '😀'.repeat(20) }).expect(200);
  });

  it('accepts a user_id of 128 allowed characters', async () => {
    const userId = `a.b_c:d@e-${'x'.repeat(118)}`;
    const { body } = await chat({ user_id: userId, message: 'hi' }).expect(200);
    expect(body.user_id).toBe(userId);
  });

  it('rejects malformed JSON and a JSON array with 400, and non-JSON content with 415', async () => {
    const malformed = await request(app.url).post('/api/chat').set('Content-Type', 'application/json').send('{"message": ').expect(400);
    expect(malformed.body).toMatchObject({ statusCode: 400, error: 'Bad Request', code: 'MALFORMED_JSON' });
    const array = await request(app.url).post('/api/chat').set('Content-Type', 'application/json').send('[{"message":"hi"}]').expect(400);
    expect(array.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    const text = await request(app.url).post('/api/chat').set('Content-Type', 'text/plain').send('{"message":"hi"}').expect(415);
    expect(text.body).toMatchObject({ statusCode: 415, error: 'Unsupported Media Type', code: 'UNSUPPORTED_MEDIA_TYPE' });
    const form = await request(app.url).post('/api/chat').type('form').send({ message: 'hi' }).expect(415);
    expect(form.body).toMatchObject({ statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    const empty = await request(app.url).post('/api/chat').expect(400);
    expect(empty.body.message).toEqual(expect.arrayContaining(['message must be a string']));
  });

  it('rejects a body over 64 KiB with 413 in the error shape', async () => {
    const response = await chat({ message: 'x'.repeat(64 * 1024) }).expect(413);
    expect(response.body).toMatchObject({ statusCode: 413, error: 'Payload Too Large', code: 'PAYLOAD_TOO_LARGE' });
  });

  it('logs every exchange in the contract format before answering', async () => {
    const before = Date.now() / 1000;
    await chat({ user_id: 'log-me', message: 'one' }).expect(200);
    const { body } = await chat({ user_id: 'log-me', message: 'two' }).expect(200);
    const file = JSON.parse(await readFile(app.logPath, 'utf8')) as Record<string, Array<Record<string, unknown>>>;
    expect(Object.keys(file)).toEqual(['log-me']);
    expect(file['log-me'].map((entry) => entry.user)).toEqual(['one', 'two']);
    expect(file['log-me'][1]).toEqual({ user: 'two', bot: body.answer, timestamp: expect.any(Number) });
    const timestamp = file['log-me'][0].timestamp as number;
    expect(timestamp).toBeGreaterThanOrEqual(Math.floor(before));
    expect(timestamp).toBeLessThan(Date.now() / 1000 + 1);
  });

  it('serves the history oldest first, empty for an unknown user, 400 without a valid user_id', async () => {
    await chat({ user_id: 'hist', message: 'first' }).expect(200);
    await chat({ user_id: 'hist', message: 'second' }).expect(200);
    const { body } = await request(app.url).get('/api/chat/history').query({ user_id: 'hist' }).expect(200);
    expect(body.user_id).toBe('hist');
    expect(body.messages.map((m: { user: string }) => m.user)).toEqual(['first', 'second']);
    expect(body.messages[0]).toEqual({ user: 'first', bot: expect.any(String), timestamp: expect.any(Number) });
    await request(app.url).get('/api/chat/history').query({ user_id: 'nobody' }).expect(200, { user_id: 'nobody', messages: [], next_before: null });
    const missing = await request(app.url).get('/api/chat/history').expect(400);
    expect(missing.body.code).toBe('VALIDATION_FAILED');
    await request(app.url).get('/api/chat/history').query({ user_id: 'bad id' }).expect(400);
    await request(app.url).get('/api/chat/history?user_id=a&user_id=b').expect(400);
  });

  it('pages the history from the newest back with limit, before and next_before', async () => {
    for (const n of [1, 2, 3, 4, 5]) await chat({ user_id: 'pages', message: `m${n}` }).expect(200);
    const history = (query: Record<string, string>) => request(app.url).get('/api/chat/history').query({ user_id: 'pages', ...query });
    const newest = await history({ limit: '2' }).expect(200);
    expect(newest.body.messages.map((m: { user: string }) => m.user)).toEqual(['m4', 'm5']);
    expect(newest.body.next_before).toEqual(expect.any(String));
    const middle = await history({ limit: '2', before: newest.body.next_before }).expect(200);
    expect(middle.body.messages.map((m: { user: string }) => m.user)).toEqual(['m2', 'm3']);
    const oldest = await history({ limit: '2', before: middle.body.next_before }).expect(200);
    expect(oldest.body).toEqual({ user_id: 'pages', messages: [expect.objectContaining({ user: 'm1' })], next_before: null });
    const all = await history({}).expect(200);
    expect(all.body.messages).toHaveLength(5);
    expect(all.body.next_before).toBeNull();
  });

  it.each([
    ['limit=0', { limit: '0' }],
    ['limit=1001', { limit: '1001' }],
    ['limit=1.5', { limit: '1.5' }],
    ['limit=abc', { limit: 'abc' }],
    ['limit=-1', { limit: '-1' }],
    ['an empty limit', { limit: '' }],
    ['before=0', { before: '0' }],
    ['before=abc', { before: 'abc' }],
    ['a 17-digit cursor', { before: '12345678901234567' }],
  ])('rejects a history query with %s with 400', async (_name, query) => {
    const { body } = await request(app.url).get('/api/chat/history').query({ user_id: 'pages', ...query }).expect(400);
    expect(body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
  });

  it('accepts limit=1000 and gives the whole short history', async () => {
    await chat({ user_id: 'max', message: 'only' }).expect(200);
    const { body } = await request(app.url).get('/api/chat/history').query({ user_id: 'max', limit: '1000' }).expect(200);
    expect(body.messages).toHaveLength(1);
  });

  it('erases a user with DELETE /api/chat/history: empty history, a new conversation, others untouched', async () => {
    const first = await chat({ user_id: 'erase-me', message: 'secret' }).expect(200);
    await chat({ user_id: 'bystander', message: 'stays' }).expect(200);
    await request(app.url).delete('/api/chat/history').query({ user_id: 'erase-me' }).expect(204);
    await request(app.url).get('/api/chat/history').query({ user_id: 'erase-me' }).expect(200, { user_id: 'erase-me', messages: [], next_before: null });
    const after = await chat({ user_id: 'erase-me', message: 'hello again' }).expect(200);
    expect(after.body.thread_id).not.toBe(first.body.thread_id);
    expect(after.body.answer).toContain('Turn 1');
    const file = JSON.parse(await readFile(app.logPath, 'utf8')) as Record<string, Array<{ user: string }>>;
    expect(file['erase-me'].map((entry) => entry.user)).toEqual(['hello again']);
    expect(file.bystander.map((entry) => entry.user)).toEqual(['stays']);
    await request(app.url).delete('/api/chat/history').query({ user_id: 'never-seen' }).expect(204);
    await request(app.url).delete('/api/chat/history').expect(400);
  });

  it('starts a new conversation after DELETE /api/chat/thread and keeps the log', async () => {
    const first = await chat({ user_id: 'reset', message: 'before' }).expect(200);
    await request(app.url).delete('/api/chat/thread').query({ user_id: 'reset' }).expect(204);
    const after = await chat({ user_id: 'reset', message: 'after' }).expect(200);
    expect(after.body.thread_id).not.toBe(first.body.thread_id);
    expect(after.body.answer).toContain('Turn 1');
    const { body } = await request(app.url).get('/api/chat/history').query({ user_id: 'reset' }).expect(200);
    expect(body.messages).toHaveLength(2);
    await request(app.url).delete('/api/chat/thread').query({ user_id: 'never-seen' }).expect(204);
    await request(app.url).delete('/api/chat/thread').expect(400);
  });

  it('answers one user’s concurrent requests one after another, all of them', async () => {
    const replies = await Promise.all(
      Array.from({ length: 8 }, (_, i) => chat({ user_id: 'busy', message: `m${i}` }).expect(200)),
    );
    const turns = replies.map((reply) => Number(/Turn (\d+)/.exec(reply.body.answer)?.[1])).sort((a, b) => a - b);
    expect(turns).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(new Set(replies.map((reply) => reply.body.thread_id)).size).toBe(1);
    const file = JSON.parse(await readFile(app.logPath, 'utf8')) as Record<string, unknown[]>;
    expect(file.busy).toHaveLength(8);
  });

  it('streams the answer a word at a time; deltas add up to the answer; done is logged', async () => {
    const { status, headers, events } = await postStream(app.url, { user_id: 'words', message: 'say it slowly' });
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^text\/event-stream/);
    const deltas = events.filter((e) => e.event === 'delta').map((e) => (e.data as { text: string }).text);
    expect(deltas.length).toBeGreaterThan(5);
    const done = events.at(-1)!;
    expect(done).toEqual({
      event: 'done',
      data: { answer: deltas.join(''), user_id: 'words', thread_id: expect.stringMatching(/^local_/), timing: { upstream_ms: expect.any(Number), app_ms: expect.any(Number) } },
    });
    const history = await request(app.url).get('/api/chat/history').query({ user_id: 'words' }).expect(200);
    expect(history.body.messages).toEqual([{ user: 'say it slowly', bot: deltas.join(''), timestamp: expect.any(Number) }]);
  });

  it('does not log a stream the client aborts, and answers the next message', async () => {
    await abandonStream(app.url, { user_id: 'gone', message: 'never mind' });
    await new Promise((resolve) => setTimeout(resolve, 400));
    const next = await chat({ user_id: 'gone', message: 'back' }).expect(200);
    // The aborted turn never completed, so the local assistant does not remember it either.
    expect(next.body.answer).toContain('Turn 1');
    const history = await request(app.url).get('/api/chat/history').query({ user_id: 'gone' }).expect(200);
    expect(history.body.messages.map((m: { user: string }) => m.user)).toEqual(['back']);
  });

  it('validates the stream route like the chat route, as plain JSON errors', async () => {
    const { status, json } = await postStream(app.url, { message: '' });
    expect(status).toBe(400);
    expect(json).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
  });

  it('returns 404 in the error shape for an unknown route', async () => {
    const { body } = await request(app.url).get('/api/nope').expect(404);
    expect(body).toMatchObject({ statusCode: 404, error: 'Not Found', code: 'NOT_FOUND' });
  });
});

describe('stores across restarts and faults', () => {
  it('keeps every user’s conversation across a restart', async () => {
    const dir = await makeTempDir();
    const first = await startTestApp({ ASSISTANT_API: 'local' }, dir);
    const a = await request(first.url).post('/api/chat').send({ user_id: 'keep', message: 'one' }).expect(200);
    await first.close();
    const second = await startTestApp({ ASSISTANT_API: 'local' }, dir);
    const b = await request(second.url).post('/api/chat').send({ user_id: 'keep', message: 'two' }).expect(200);
    expect(b.body.thread_id).toBe(a.body.thread_id);
    const history = await request(second.url).get('/api/chat/history').query({ user_id: 'keep' }).expect(200);
    expect(history.body.messages.map((m: { user: string }) => m.user)).toEqual(['one', 'two']);
    await second.close();
  });

  it('moves a corrupt log aside, starts empty and never overwrites it', async () => {
    const dir = await makeTempDir();
    await writeFile(join(dir, 'conversations.json'), '{"truncated": [');
    const app = await startTestApp({ ASSISTANT_API: 'local' }, dir);
    const names = await readdir(dir);
    const aside = names.find((name) => /^conversations\.json\.corrupt-\d{13}$/.test(name));
    expect(aside).toBeDefined();
    expect(await readFile(join(dir, aside!), 'utf8')).toBe('{"truncated": [');
    await request(app.url).post('/api/chat').send({ user_id: 'fresh', message: 'hi' }).expect(200);
    expect(Object.keys(JSON.parse(await readFile(join(dir, 'conversations.json'), 'utf8')))).toEqual(['fresh']);
    await app.close();
  });

  it('reports 503 on /api/health and on chat when a store cannot be written, and 200 otherwise', async () => {
    const ok = await startTestApp({ ASSISTANT_API: 'local' });
    const healthy = await request(ok.url).get('/api/health').expect(200);
    expect(healthy.body).toEqual({ status: 'ok', checks: { assistant: { status: 'ok', mode: 'local' }, store: { status: 'ok' } } });
    await ok.close();

    const dir = await makeTempDir();
    const broken = await startTestApp({ ASSISTANT_API: 'local', CONVERSATION_LOG_PATH: join(dir, 'data', 'log.json') }, dir);
    await rm(join(dir, 'data'), { recursive: true });
    const health = await request(broken.url).get('/api/health').expect(503);
    expect(health.body).toEqual({
      status: 'error',
      checks: { assistant: { status: 'ok', mode: 'local' }, store: { status: 'error', message: 'the conversation log cannot be written' } },
    });
    const chat = await request(broken.url).post('/api/chat').send({ user_id: 'x', message: 'hi' }).expect(503);
    expect(chat.body).toMatchObject({ statusCode: 503, code: 'STORAGE_WRITE_FAILED' });
    expect(chat.headers['retry-after']).toBe('5');
    await broken.close();
  });

  it('creates a store directory that does not exist at start-up', async () => {
    const dir = await makeTempDir();
    const app = await startTestApp({ ASSISTANT_API: 'local', CONVERSATION_LOG_PATH: join(dir, 'new', 'log.json'), THREAD_STORE_PATH: join(dir, 'new', 'threads.json') }, dir);
    await request(app.url).post('/api/chat').send({ user_id: 'x', message: 'hi' }).expect(200);
    await request(app.url).get('/api/health').expect(200);
    expect((await readdir(join(dir, 'new'))).sort()).toEqual(['log.json', 'threads.json']);
    await app.close();
  });

  it('keeps both files through a data directory removed and recreated while running, and says so in health', async () => {
    const dir = await makeTempDir();
    const data = join(dir, 'data');
    const env = { ASSISTANT_API: 'local', CONVERSATION_LOG_PATH: join(data, 'log.json'), THREAD_STORE_PATH: join(data, 'threads.json') };
    const first = await startTestApp(env, dir);
    const answered = await request(first.url).post('/api/chat').send({ user_id: 'keep', message: 'one' }).expect(200);
    await rm(data, { recursive: true });
    await request(first.url).get('/api/health').expect(503);
    await mkdir(data);
    // The health check finds the files gone and writes them again from memory.
    await request(first.url).get('/api/health').expect(200);
    expect((await readdir(data)).sort()).toEqual(['log.json', 'threads.json']);
    await first.close();

    const second = await startTestApp(env, dir);
    const again = await request(second.url).post('/api/chat').send({ user_id: 'keep', message: 'two' }).expect(200);
    expect(again.body.thread_id).toBe(answered.body.thread_id);
    const history = await request(second.url).get('/api/chat/history').query({ user_id: 'keep' }).expect(200);
    expect(history.body.messages.map((m: { user: string }) => m.user)).toEqual(['one', 'two']);
    await second.close();
  });
});
