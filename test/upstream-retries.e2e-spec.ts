import request from 'supertest';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * OPENAI_TIMEOUT_MS bounds one upstream attempt. The SDK's backoff between
 * attempts (0.5 s, then 1 s, with jitter) is not upstream silence: a persistent
 * 500 with a 1000 ms timeout must end as 502 after exactly 1 + OPENAI_MAX_RETRIES
 * attempts, not as a 504 while the SDK sleeps.
 */
describe('upstream retries and OPENAI_TIMEOUT_MS', () => {
  let fake: FakeOpenAiServer;
  let app: TestApp;

  beforeEach(async () => {
    fake = await FakeOpenAiServer.start();
  });

  afterEach(async () => {
    await app.close();
    await fake.stop();
  });

  it.each([
    ['responses', {}, 'POST /v1/responses'],
    ['assistants', { ASSISTANT_API: 'assistants', OPENAI_ASSISTANT_ID: 'asst_test' }, 'POST /v1/threads/:id/messages'],
  ])('%s: a persistent 500 with OPENAI_TIMEOUT_MS=1000 ends as 502 after exactly 3 attempts', async (_mode, env, route) => {
    app = await startTestApp({ OPENAI_API_KEY: 'sk-test-retries', OPENAI_BASE_URL: fake.baseURL, OPENAI_TIMEOUT_MS: '1000', OPENAI_MAX_RETRIES: '2', ...env });
    await request(app.url).post('/api/chat').send({ user_id: 'warm', message: 'warm-up' }).expect(200);
    fake.inject({ kind: 'status', route, status: 500, times: Infinity });
    const started = Date.now();
    const response = await request(app.url).post('/api/chat').send({ user_id: 'warm', message: 'hi' });
    expect(response.status).toBe(502);
    expect(response.body.code).toBe('UPSTREAM_FAILED');
    // One for the warm-up, then the first attempt and its two retries.
    expect(fake.countRequests(route)).toBe(1 + 3);
    // The backoff alone is at least 0.5 s + 1 s (less up to 25% jitter): more than one timeout's worth, so the old watchdog would have fired.
    expect(Date.now() - started).toBeGreaterThan(1000);
  });

  it('still answers 504 when one attempt stalls past OPENAI_TIMEOUT_MS, without retrying it', async () => {
    app = await startTestApp({ OPENAI_API_KEY: 'sk-test-retries', OPENAI_BASE_URL: fake.baseURL, OPENAI_TIMEOUT_MS: '500', OPENAI_MAX_RETRIES: '2' });
    await request(app.url).post('/api/chat').send({ user_id: 'warm', message: 'warm-up' }).expect(200);
    fake.inject({ kind: 'hang', route: 'POST /v1/responses' });
    const response = await request(app.url).post('/api/chat').send({ user_id: 'warm', message: 'hi' }).expect(504);
    expect(response.body.code).toBe('UPSTREAM_TIMEOUT');
    expect(fake.countRequests('POST /v1/responses')).toBe(2);
  });

  it('counts a conversation_locked wait as a retry wait, not as silence', async () => {
    app = await startTestApp({ OPENAI_API_KEY: 'sk-test-retries', OPENAI_BASE_URL: fake.baseURL, OPENAI_TIMEOUT_MS: '300', OPENAI_MAX_RETRIES: '0' });
    await request(app.url).post('/api/chat').send({ user_id: 'warm', message: 'warm-up' }).expect(200);
    // The service backs off 200, 400 then 800 ms between these: 1.4 s in all, far past the 300 ms timeout.
    fake.inject({ kind: 'conversation-locked', times: 3 });
    const response = await request(app.url).post('/api/chat').send({ user_id: 'warm', message: 'hi' }).expect(200);
    expect(response.body.answer).toBe(fake.answerFor('hi', 2));
  });
});
