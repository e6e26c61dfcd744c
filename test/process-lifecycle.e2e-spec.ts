import { readFile, rm } from 'node:fs/promises';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { ServiceProcess } from './support/service-process';
import { makeTempDir } from './support/test-app';
import { waitFor } from './support/wait-for';

describe('the service as a process', () => {
  let dir: string;
  let service: ServiceProcess | undefined;

  beforeEach(async () => {
    dir = await makeTempDir();
  });

  afterEach(async () => {
    await service?.stop();
    service = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['a port that is not a number', { PORT: 'abc' }, /PORT must be an integer/],
    ['an unknown ASSISTANT_API', { ASSISTANT_API: 'gemini' }, /ASSISTANT_API must be one of responses, assistants, local/],
    ['responses without a key', { ASSISTANT_API: 'responses' }, /OPENAI_API_KEY is required when ASSISTANT_API=responses/],
    ['assistants without an assistant id', { ASSISTANT_API: 'assistants', OPENAI_API_KEY: 'sk-canary-secret' }, /OPENAI_ASSISTANT_ID is required/],
    ['a limit that is not a positive integer', { THROTTLE_LIMIT: '0' }, /THROTTLE_LIMIT must be a positive integer/],
    ['an unknown LOG_LEVEL', { LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of debug, info, warn, error, fatal/],
    ['production without a key', { NODE_ENV: 'production' }, /OPENAI_API_KEY is required with NODE_ENV=production/],
  ])('refuses to start on %s, naming the variable and exiting non-zero', async (_name, env, message) => {
    service = ServiceProcess.spawn(env, dir);
    const { code } = await service.exited;
    expect(code).not.toBe(0);
    expect(service.logs).toMatch(message);
    expect(service.logs).not.toContain('sk-canary-secret');
  });

  it('starts on the local assistant without a key and warns that answers are not from a model', async () => {
    service = await ServiceProcess.start({}, dir);
    expect(service.logs).toMatch(/WARN.*not from a model/);
    const response = await fetch(`${(service as ServiceProcess & { url: string }).url}/api/chat`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ user_id: 'p', message: 'hi' }),
    });
    expect(response.status).toBe(200);
    // Defaults resolve against the working directory.
    const log = JSON.parse(await readFile(`${dir}/conversations.json`, 'utf8')) as Record<string, unknown[]>;
    expect(log.p).toHaveLength(1);
  });

  it('reads .env from the working directory', async () => {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(`${dir}/.env`, 'THROTTLE_LIMIT=oops\n');
    service = ServiceProcess.spawn({}, dir);
    expect((await service.exited).code).not.toBe(0);
    expect(service.logs).toMatch(/THROTTLE_LIMIT must be a positive integer/);
  });

  it('on SIGTERM finishes the request in flight, flushes, and exits 0', async () => {
    const fake = await FakeOpenAiServer.start();
    try {
      const started = await ServiceProcess.start(
        { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.baseURL, SHUTDOWN_GRACE_MS: '5000' },
        dir,
      );
      service = started;
      fake.latencyMs = 600;
      const pending = fetch(`${started.url}/api/chat`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ user_id: 'slow', message: 'take your time' }),
      });
      await waitFor(() => fake.requests.some((r) => r.path === '/v1/conversations'));
      started.kill('SIGTERM');
      const response = await pending;
      expect(response.status).toBe(200);
      const body = (await response.json()) as { answer: string };
      expect(body.answer).toBe(fake.answerFor('take your time', 1));
      expect(await started.exited).toEqual({ code: 0, signal: null });
      const log = JSON.parse(await readFile(`${dir}/conversations.json`, 'utf8')) as Record<string, unknown[]>;
      expect(log.slow).toHaveLength(1);
      // New connections are refused once shutdown began.
      await expect(fetch(`${started.url}/api/health`)).rejects.toThrow();
    } finally {
      await fake.stop();
    }
  });

  it('on SIGTERM lets a stream in flight run to its done event, then exits 0', async () => {
    const started = await ServiceProcess.start({ ASSISTANT_API: 'local' }, dir);
    service = started;
    const response = await fetch(`${started.url}/api/chat/stream`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ user_id: 'streamer', message: 'please stream a reasonably long answer to me' }),
    });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = (await reader.read()).value ?? '';
    expect(text).toContain('event: delta');
    started.kill('SIGTERM');
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    expect(text).toMatch(/event: done\ndata: \{"answer":"\[local assistant\] Turn 1\./);
    expect(await started.exited).toEqual({ code: 0, signal: null });
    const log = JSON.parse(await readFile(`${dir}/conversations.json`, 'utf8')) as Record<string, unknown[]>;
    expect(log.streamer).toHaveLength(1);
  });

  it('on SIGINT with nothing in flight exits 0 at once', async () => {
    const started = await ServiceProcess.start({}, dir);
    service = started;
    const before = Date.now();
    started.kill('SIGINT');
    expect(await started.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - before).toBeLessThan(3000);
  });

  it('cuts requests still running when SHUTDOWN_GRACE_MS is over, and still exits 0', async () => {
    const fake = await FakeOpenAiServer.start();
    try {
      const started = await ServiceProcess.start(
        { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.baseURL, SHUTDOWN_GRACE_MS: '300' },
        dir,
      );
      service = started;
      fake.inject({ kind: 'hang', route: 'POST /v1/responses' });
      const pending = fetch(`${started.url}/api/chat`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ user_id: 'stuck', message: 'hello?' }),
      }).then(
        (response) => response.status,
        () => 'connection closed',
      );
      await waitFor(() => fake.requests.some((r) => r.path === '/v1/responses'));
      started.kill('SIGTERM');
      expect(await started.exited).toEqual({ code: 0, signal: null });
      expect(await pending).toBe('connection closed');
      expect(started.logs).toMatch(/grace period over/);
    } finally {
      await fake.stop();
    }
  });
});
