import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { ServiceProcess } from './support/service-process';
import { makeTempDir } from './support/test-app';

/** The key must never appear in a log line (at any level), an error body, or a file the service writes. */
describe('the API key stays secret', () => {
  const canary = `sk-canary-${randomBytes(12).toString('hex')}`;
  let fake: FakeOpenAiServer;
  let dir: string;
  let service: (ServiceProcess & { url: string }) | undefined;
  const bodies: string[] = [];

  const post = async (path: string, body: object): Promise<number> => {
    const response = await fetch(`${service!.url}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10000),
    });
    bodies.push(await response.text());
    return response.status;
  };

  beforeAll(async () => {
    fake = await FakeOpenAiServer.start();
    dir = await makeTempDir();
  });

  afterEach(async () => {
    await service?.stop();
    service = undefined;
  });

  afterAll(async () => {
    await fake.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it.each(['responses', 'assistants'])('in %s mode at LOG_LEVEL=debug, through answers and failures', async (mode) => {
    service = await ServiceProcess.start(
      {
        ASSISTANT_API: mode,
        OPENAI_API_KEY: canary,
        OPENAI_ASSISTANT_ID: 'asst_test',
        OPENAI_BASE_URL: fake.baseURL,
        OPENAI_MAX_RETRIES: '1',
        // Long enough for the SDK's retry backoff (up to about 1 s here) under a loaded CI machine.
        OPENAI_TIMEOUT_MS: '2500',
        LOG_LEVEL: 'debug',
        THROTTLE_LIMIT: '1000',
        CONVERSATION_LOG_PATH: join(dir, `${mode}-log.json`),
        THREAD_STORE_PATH: join(dir, `${mode}-threads.json`),
      },
      dir,
    );
    const route = mode === 'responses' ? 'POST /v1/responses' : 'POST /v1/threads/:id/runs';
    const leaky = { error: { message: `Incorrect API key provided: ${canary}.`, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } };

    expect(await post('/api/chat', { user_id: 'k', message: 'hello' })).toBe(200);
    expect(await post('/api/chat/stream', { user_id: 'k', message: 'stream it' })).toBe(200);
    fake.inject({ kind: 'status', route, status: 401, body: leaky });
    expect(await post('/api/chat', { user_id: 'k', message: 'bad key' })).toBe(502);
    fake.inject({ kind: 'status', route, status: 500, body: leaky, times: 2 });
    expect(await post('/api/chat', { user_id: 'k', message: 'server down' })).toBe(502);
    fake.inject({ kind: 'status', route, status: 429, body: leaky, headers: { 'retry-after': '0' }, times: 2 });
    expect(await post('/api/chat', { user_id: 'k', message: 'slow down' })).toBe(503);
    // One hang is enough: the turn's deadline (OPENAI_TIMEOUT_MS) covers the retries too.
    fake.inject({ kind: 'hang', route });
    expect(await post('/api/chat', { user_id: 'k', message: 'anyone?' })).toBe(504);
    fake.inject({ kind: 'status', route, status: 401, body: leaky });
    expect(await post('/api/chat/stream', { user_id: 'k', message: 'bad key, streamed' })).toBe(502);
    expect(await post('/api/chat', { user_id: 'k', message: 'x'.repeat(9000) })).toBe(400);

    await service.stop();
    // The debug log really was on: message texts are logged at debug.
    expect(service.logs).toContain('hello');
    expect(service.logs).not.toContain(canary);
    for (const body of bodies) expect(body).not.toContain(canary);
    for (const name of await readdir(dir)) {
      expect(await readFile(join(dir, name), 'utf8')).not.toContain(canary);
    }
    // The key did reach the upstream, so the absence above means something.
    expect(fake.requests.some((r) => r.headers.authorization === `Bearer ${canary}`)).toBe(true);
  });

  it('is not printed when the configuration is rejected', async () => {
    const failed = ServiceProcess.spawn({ ASSISTANT_API: 'assistants', OPENAI_API_KEY: canary, PORT: 'nope', LOG_LEVEL: 'debug' }, dir);
    expect((await failed.exited).code).toBe(1);
    expect(failed.logs).toMatch(/OPENAI_ASSISTANT_ID/);
    expect(failed.logs).not.toContain(canary);
  });
});
