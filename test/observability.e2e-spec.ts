import request from 'supertest';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { metricFamilies, parsePrometheusText, type Sample, sampleValue } from './support/prometheus-text';
import { postStream } from './support/sse';
import { startTestApp, type TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';

const METRICS_TOKEN = 'metrics-token-0123456789';

describe('metrics, Server-Timing, token usage and model settings (responses mode, fake upstream)', () => {
  let fake: FakeOpenAiServer;
  let app: TestApp;

  const boot = async (env: Record<string, string> = {}) => {
    app = await startTestApp({ OPENAI_API_KEY: 'sk-test-metrics', OPENAI_BASE_URL: fake.baseURL, OPENAI_MAX_RETRIES: '0', OPENAI_MODEL: 'gpt-a', ...env });
  };
  const chat = (body: object) => request(app.url).post('/api/chat').send(body);
  const scrape = async (token?: string): Promise<{ text: string; samples: Sample[] }> => {
    const call = request(app.url).get('/api/metrics');
    const { text } = await (token === undefined ? call : call.set('Authorization', `Bearer ${token}`)).expect(200);
    return { text, samples: parsePrometheusText(text) };
  };

  beforeEach(async () => {
    fake = await FakeOpenAiServer.start();
  });

  afterEach(async () => {
    await app?.close();
    await fake.stop();
  });

  it('counts requests, answers, tokens, store writes, first deltas and refusals, with bounded labels', async () => {
    await boot({ THROTTLE_LIMIT: '5' });
    await chat({ user_id: 'ann', message: 'one' }).expect(200);
    await chat({ user_id: 'ann', message: 'two' }).expect(200);
    await postStream(app.url, { user_id: 'bob', message: 'three' });
    fake.inject({ kind: 'status', route: 'POST /v1/responses', status: 500 });
    await chat({ user_id: 'ann', message: 'four' }).expect(502);
    await request(app.url).post('/api/chat').set('Content-Type', 'text/plain').send('x').expect(415);
    await request(app.url).get('/api/chat/history').query({ user_id: 'ann' }).expect(200);
    await chat({ user_id: 'ann', message: 'five' }).expect(429);

    const { text, samples } = await scrape();
    expect(sampleValue(samples, 'http_request_duration_seconds_count', { route: '/api/chat', method: 'POST', status: '200' })).toBe(2);
    expect(sampleValue(samples, 'http_request_duration_seconds_count', { route: '/api/chat', method: 'POST', status: '502' })).toBe(1);
    expect(sampleValue(samples, 'http_request_duration_seconds_count', { route: '/api/chat/stream', method: 'POST', status: '200' })).toBe(1);
    expect(sampleValue(samples, 'http_request_duration_seconds_count', { route: '/api/chat/history', method: 'GET', status: '200' })).toBe(1);
    expect(sampleValue(samples, 'http_request_duration_seconds_count', { route: 'unmatched', method: 'POST', status: '415' })).toBe(1);
    expect(sampleValue(samples, 'chat_upstream_duration_seconds_count', { api: 'responses', outcome: 'ok' })).toBe(3);
    expect(sampleValue(samples, 'chat_upstream_duration_seconds_count', { api: 'responses', outcome: 'UPSTREAM_FAILED' })).toBe(1);
    expect(sampleValue(samples, 'chat_first_delta_seconds_count', { api: 'responses' })).toBe(1);
    const reported = fake.reportedUsage;
    expect(reported).toHaveLength(3);
    expect(sampleValue(samples, 'chat_tokens_total', { direction: 'input' })).toBe(reported.reduce((sum, usage) => sum + usage.input, 0));
    expect(sampleValue(samples, 'chat_tokens_total', { direction: 'output' })).toBe(reported.reduce((sum, usage) => sum + usage.output, 0));
    expect(sampleValue(samples, 'store_write_duration_seconds_count', { store: 'conversation_log' })).toBe(3);
    expect(sampleValue(samples, 'store_write_duration_seconds_count', { store: 'thread_store' })).toBe(2);
    expect(sampleValue(samples, 'rate_limited_total')).toBe(1);
    expect(sampleValue(samples, 'chat_turns_in_flight')).toBe(0);
    expect(sampleValue(samples, 'chat_turns_waiting')).toBe(0);
    for (const family of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds']) {
      expect(metricFamilies(text)).toContain(family);
    }
    // Route templates and codes only: no user id, message or raw URL in any label.
    const labelValues = samples.flatMap((sample) => Object.values(sample.labels)).join(' ');
    for (const leak of ['ann', 'bob', 'one', 'user_id']) expect(labelValues).not.toContain(leak);
  });

  it('shows turns in flight and waiting while they are', async () => {
    await boot();
    fake.latencyMs = 400;
    const first = chat({ user_id: 'queue', message: 'first' }).then((r) => r.status);
    const second = chat({ user_id: 'queue', message: 'second' }).then((r) => r.status);
    await waitFor(() => fake.requests.some((r) => r.path === '/v1/conversations'));
    const { samples } = await scrape();
    expect(sampleValue(samples, 'chat_turns_in_flight')).toBe(1);
    expect(sampleValue(samples, 'chat_turns_waiting')).toBe(1);
    expect(await Promise.all([first, second])).toEqual([200, 200]);
  });

  it('is never rate limited, and needs METRICS_TOKEN when that is set', async () => {
    await boot({ THROTTLE_LIMIT: '1', METRICS_TOKEN });
    await request(app.url).get('/api/metrics').expect(401);
    const wrong = await request(app.url).get('/api/metrics').set('Authorization', 'Bearer not-the-token-at-all').expect(401);
    expect(wrong.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    expect(JSON.stringify(wrong.body)).not.toContain(METRICS_TOKEN);
    for (let n = 0; n < 5; n += 1) await scrape(METRICS_TOKEN);
    const response = await request(app.url).get('/api/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);
  });

  it('splits a turn’s time into upstream and app in Server-Timing, against a slow upstream', async () => {
    await boot();
    fake.latencyMs = 300;
    const response = await chat({ user_id: 'slow', message: 'hi' }).expect(200);
    const timing = /^upstream;dur=([\d.]+), app;dur=([\d.]+)$/.exec(response.headers['server-timing']);
    expect(timing).not.toBeNull();
    const [upstream, app] = [Number(timing![1]), Number(timing![2])];
    // A new user: a conversation and a response, 300 ms each.
    expect(upstream).toBeGreaterThanOrEqual(600);
    expect(upstream).toBeLessThan(3000);
    expect(app).toBeLessThan(upstream);
  });

  it('puts the same timing and the usage in a stream’s done event', async () => {
    await boot();
    await chat({ user_id: 'st', message: 'warm-up' }).expect(200);
    fake.latencyMs = 200;
    const { events } = await postStream(app.url, { user_id: 'st', message: 'stream me' });
    const done = events.at(-1)!;
    expect(done.event).toBe('done');
    const reported = fake.reportedUsage.at(-1)!;
    expect(done.data).toEqual({
      answer: fake.answerFor('stream me', 2),
      user_id: 'st',
      thread_id: expect.stringMatching(/^conv_/),
      usage: { input_tokens: reported.input, output_tokens: reported.output, total_tokens: reported.total },
      timing: { upstream_ms: expect.any(Number), app_ms: expect.any(Number) },
    });
    expect((done.data as { timing: { upstream_ms: number } }).timing.upstream_ms).toBeGreaterThanOrEqual(200);
  });

  it('returns the usage the upstream reported, and logs it with the model', async () => {
    await boot();
    const { body } = await chat({ user_id: 'u', message: 'count my tokens please' }).expect(200);
    const [reported] = fake.reportedUsage;
    expect(body.usage).toEqual({ input_tokens: reported.input, output_tokens: reported.output, total_tokens: reported.total });
    const log = JSON.parse(await (await import('node:fs/promises')).readFile(app.logPath, 'utf8')) as Record<string, Array<Record<string, unknown>>>;
    expect(log.u[0]).toMatchObject({ model: 'gpt-a', usage: body.usage });
  });

  it('takes a model, temperature and output limit per request, within the allow-list and ranges', async () => {
    await boot({ OPENAI_ALLOWED_MODELS: 'gpt-a, gpt-b', OPENAI_TEMPERATURE: '0.2' });
    await chat({ user_id: 'm', message: 'hi', model: 'gpt-b', temperature: 1.5, max_output_tokens: 64 }).expect(200);
    await chat({ user_id: 'm', message: 'again' }).expect(200);
    const sent = fake.requests.filter((r) => r.path === '/v1/responses').map((r) => r.body);
    expect(sent[0]).toMatchObject({ model: 'gpt-b', temperature: 1.5, max_output_tokens: 64 });
    expect(sent[1]).toMatchObject({ model: 'gpt-a', temperature: 0.2 });
    expect(sent[1]).not.toHaveProperty('max_output_tokens');
  });

  it.each([
    [{ model: 'gpt-z' }, 'model must be one of: gpt-a'],
    [{ model: 42 }, 'model must be a string'],
    [{ temperature: 2.5 }, 'temperature must be a number from 0 to 2'],
    [{ temperature: -0.1 }, 'temperature must be a number from 0 to 2'],
    [{ temperature: '1' }, 'temperature must be a number from 0 to 2'],
    [{ max_output_tokens: 15 }, 'max_output_tokens must be an integer from 16 to 128000'],
    [{ max_output_tokens: 128001 }, 'max_output_tokens must be an integer from 16 to 128000'],
    [{ max_output_tokens: 100.5 }, 'max_output_tokens must be an integer from 16 to 128000'],
  ])('refuses %j with 400 and a clear message, without calling upstream', async (settings, message) => {
    await boot();
    const { body } = await chat({ user_id: 'bad', message: 'hi', ...settings }).expect(400);
    expect(body).toMatchObject({ code: 'VALIDATION_FAILED', message: [message] });
    expect(fake.requests).toEqual([]);
  });
});

describe('model settings in assistants mode', () => {
  it('maps them onto the run’s overrides', async () => {
    const fake = await FakeOpenAiServer.start();
    const app = await startTestApp({
      ASSISTANT_API: 'assistants',
      OPENAI_API_KEY: 'sk-test-metrics',
      OPENAI_ASSISTANT_ID: 'asst_test',
      OPENAI_BASE_URL: fake.baseURL,
      OPENAI_ALLOWED_MODELS: 'gpt-a,gpt-b',
    });
    try {
      const { body } = await request(app.url).post('/api/chat').send({ user_id: 'r', message: 'hi', model: 'gpt-b', temperature: 0.5, max_output_tokens: 300 }).expect(200);
      const run = fake.requests.find((r) => r.method === 'POST' && /\/runs$/.test(r.path));
      expect(run?.body).toMatchObject({ model: 'gpt-b', temperature: 0.5, max_completion_tokens: 300 });
      const reported = fake.reportedUsage.find((usage) => usage.kind === 'run')!;
      expect(body.usage).toEqual({ input_tokens: reported.input, output_tokens: reported.output, total_tokens: reported.total });
    } finally {
      await app.close();
      await fake.stop();
    }
  });
});
