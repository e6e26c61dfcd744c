import { rm } from 'node:fs/promises';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { ServiceProcess } from './support/service-process';
import { makeTempDir } from './support/test-app';

type LogLine = Record<string, unknown> & { level: number; time: number; msg: string };

const QUESTION = 'a very private question about payroll';

/** Every line the process wrote, each parsed as JSON (a line that is not JSON fails the test). */
function jsonLines(output: string): LogLine[] {
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as LogLine;
      } catch {
        throw new Error(`not a JSON log line: ${line}`);
      }
    });
}

describe('logs (the built service, LOG_FORMAT=json)', () => {
  let fake: FakeOpenAiServer;
  let dir: string;
  let service: ServiceProcess | undefined;

  const start = async (env: Record<string, string>) => {
    const started = await ServiceProcess.start(
      { OPENAI_API_KEY: 'sk-test-logging-canary', OPENAI_BASE_URL: fake.baseURL, OPENAI_MAX_RETRIES: '0', LOG_FORMAT: 'json', ...env },
      dir,
    );
    service = started;
    return started;
  };
  const ask = (url: string, requestId: string) =>
    fetch(`${url}/api/chat`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Request-Id': requestId },
      body: JSON.stringify({ user_id: 'logger', message: QUESTION }),
    });

  beforeEach(async () => {
    fake = await FakeOpenAiServer.start();
    dir = await makeTempDir();
  });

  afterEach(async () => {
    await service?.stop();
    service = undefined;
    await fake.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes JSON lines in which every line of a request carries its reqId, adapters’ lines included', async () => {
    const started = await start({ LOG_LEVEL: 'debug' });
    // The adapter logs (at debug) while it waits for a conversation another process holds.
    fake.inject({ kind: 'conversation-locked' });
    const response = await ask(started.url, 'trace-7');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('trace-7');
    started.kill('SIGTERM');
    await started.exited;

    const lines = jsonLines(started.logs);
    for (const line of lines) expect(line).toEqual(expect.objectContaining({ level: expect.any(Number), time: expect.any(Number), msg: expect.any(String) }));
    const adapterLine = lines.find((line) => line.context === 'ResponsesAssistantAdapter' && line.msg.includes('conversation locked'));
    expect(adapterLine).toMatchObject({ reqId: 'trace-7', level: 20 });
    const access = lines.find((line) => line.req !== undefined);
    expect(access).toMatchObject({ reqId: 'trace-7', req: { method: 'POST', path: '/api/chat' }, res: { statusCode: 200 }, level: 30 });
    const chatLines = lines.filter((line) => line.context === 'ChatService');
    expect(chatLines.length).toBeGreaterThan(0);
    for (const line of chatLines) expect(line.reqId).toBe('trace-7');
    // At debug the texts are there; the key never is.
    expect(started.logs).toContain(QUESTION);
    expect(started.logs).not.toContain('sk-test-logging-canary');
  });

  it('keeps message texts out of the log at info, and gives a request without an id a fresh UUID', async () => {
    const started = await start({ LOG_LEVEL: 'info' });
    const response = await ask(started.url, 'not a sane id <script>');
    expect(response.status).toBe(200);
    const id = response.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    started.kill('SIGTERM');
    await started.exited;
    expect(started.logs).not.toContain(QUESTION);
    expect(started.logs).not.toContain('payroll');
    expect(jsonLines(started.logs).find((line) => line.req !== undefined)).toMatchObject({ reqId: id });
  });

  it('writes readable lines with LOG_FORMAT=pretty', async () => {
    const started = await start({ LOG_FORMAT: 'pretty', LOG_LEVEL: 'info' });
    await ask(started.url, 'pretty-1');
    started.kill('SIGTERM');
    await started.exited;
    expect(started.logs).toMatch(/INFO.*POST \/api\/chat 200/);
    expect(() => jsonLines(started.logs)).toThrow(/not a JSON log line/);
  });
});
