import { chmod, chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { ServiceProcess } from './support/service-process';
import { makeTempDir } from './support/test-app';
import { waitFor } from './support/wait-for';

/** The unprivileged user a root test run starts the service as, where file modes must matter. */
const NOBODY = 65534;

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

  it.each([
    ['true', true],
    ['1', false],
    ['10.0.0.0/8', false],
  ])('with TRUST_PROXY=%s warns at start-up that any client can pick its IP: %s', async (value, warns) => {
    service = await ServiceProcess.start({ TRUST_PROXY: value }, dir);
    const warning = /WARN.*TRUST_PROXY=true.*any client can pick its own IP.*hop count.*subnets/;
    if (warns) expect(service.logs).toMatch(warning);
    else expect(service.logs).not.toMatch(/TRUST_PROXY=true/);
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

  it('on SIGTERM does not wait for clients that stopped half-way through their request, nor for idle sockets', async () => {
    const started = await ServiceProcess.start({ ASSISTANT_API: 'local', SHUTDOWN_GRACE_MS: '10000' }, dir);
    service = started;
    const { hostname, port } = new URL(started.url);
    const halfSent = connect(Number(port), hostname, () =>
      halfSent.write('POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"mess'),
    );
    const idle = connect(Number(port), hostname);
    const kept = await fetch(`${started.url}/api/health`);
    expect(kept.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const before = Date.now();
    started.kill('SIGTERM');
    expect(await started.exited).toEqual({ code: 0, signal: null });
    // Far less than SHUTDOWN_GRACE_MS or HTTP_REQUEST_TIMEOUT_MS.
    expect(Date.now() - before).toBeLessThan(3000);
    expect(started.logs).toMatch(/closed 1 request\(s\) still sending their body/);
    halfSent.destroy();
    idle.destroy();
  });

  it.each([
    ['a directory', async (path: string) => mkdir(path), 'is a directory, not a file'],
    ['a file it may not read', async (path: string) => writeFile(path, '{}', { mode: 0o000 }), 'cannot be read: permission denied'],
  ])('refuses to start when the log path is %s, in one line naming the variable and the path', async (_name, make, reason) => {
    // Root reads any file whatever its mode, so the service runs as nobody, in a directory nobody owns.
    await chmod(dir, 0o777);
    const path = join(dir, 'conversations.json');
    await make(path);
    if (process.getuid?.() === 0) await chown(path, NOBODY, NOBODY);
    service = ServiceProcess.spawn({ CONVERSATION_LOG_PATH: path }, dir, process.getuid?.() === 0 ? NOBODY : undefined);
    expect((await service.exited).code).toBe(1);
    expect(service.logs.trim()).toBe(`CONVERSATION_LOG_PATH: ${path} ${reason}`);
  });
});
