import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { FakeOpenAiServer } from './support/fake-openai.server';
import type { Fault } from './support/fake-openai.server';
import { abandonStream } from './support/sse';
import { makeTempDir, startTestApp, type TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';

/**
 * A turn that is not acknowledged (its log write failed, its client left, or
 * the upstream failed half-way) leaves no trace in the model's memory: the
 * service takes it back out of the conversation, so the log and the model
 * never disagree. Proved on the fake's state and on the next answer's turn number.
 */
const ADAPTERS = [
  {
    name: 'responses',
    env: {},
    failedTurn: { kind: 'response-status', route: 'POST /v1/responses', status: 'failed' } as Fault,
    questions: (fake: FakeOpenAiServer, threadId: string) =>
      (fake.conversations.get(threadId)?.items ?? []).filter((item) => item.role === 'user').map((item) => item.text),
  },
  {
    name: 'assistants',
    env: { ASSISTANT_API: 'assistants', OPENAI_ASSISTANT_ID: 'asst_test' },
    failedTurn: { kind: 'run-outcome', status: 'failed', lastErrorCode: 'server_error' } as Fault,
    questions: (fake: FakeOpenAiServer, threadId: string) =>
      (fake.threads.get(threadId)?.messages ?? []).filter((message) => message.role === 'user').map((message) => message.text),
  },
] as const;

describe.each(ADAPTERS)('unacknowledged turns in $name mode', ({ env, failedTurn, questions }) => {
  let fake: FakeOpenAiServer;
  let app: TestApp;
  let dir: string;
  let logDir: string;

  const chat = (message: string) => request(app.url).post('/api/chat').send({ user_id: 'ann', message });

  beforeEach(async () => {
    fake = await FakeOpenAiServer.start();
    dir = await makeTempDir();
    logDir = join(dir, 'log');
    app = await startTestApp(
      {
        OPENAI_API_KEY: 'sk-test-turns',
        OPENAI_BASE_URL: fake.baseURL,
        OPENAI_MAX_RETRIES: '0',
        CONVERSATION_LOG_PATH: join(logDir, 'conversations.json'),
        ...env,
      },
      dir,
    );
  });

  afterEach(async () => {
    await app.close();
    await fake.stop();
    await rm(dir, { recursive: true, force: true });
    expect(fake.unexpected).toEqual([]);
    expect(fake.errors).toEqual([]);
  });

  it('takes the turn back when its log write fails, and the next answer neither counts nor recalls it', async () => {
    const first = await chat('kept').expect(200);
    const threadId = first.body.thread_id as string;
    await rm(logDir, { recursive: true });

    const refused = await chat('never logged').expect(503);
    expect(refused.body.code).toBe('STORAGE_WRITE_FAILED');
    await waitFor(() => questions(fake, threadId).length === 1);
    expect(questions(fake, threadId)).toEqual(['kept']);

    await mkdir(logDir);
    const next = await chat('next').expect(200);
    expect(next.body.answer).toBe(fake.answerFor('next', 2));
    expect(questions(fake, threadId)).toEqual(['kept', 'next']);
  });

  it('takes back the question of a turn whose upstream answer failed', async () => {
    const first = await chat('kept').expect(200);
    fake.inject(failedTurn);
    await chat('failed upstream').expect(502);
    const next = await chat('next').expect(200);
    expect(next.body.answer).toBe(fake.answerFor('next', 2));
    expect(questions(fake, first.body.thread_id as string)).toEqual(['kept', 'next']);
  });

  it('takes back what a stream the client abandoned left upstream', async () => {
    const first = await chat('kept').expect(200);
    fake.abortedStreamJoins = 'input-and-partial-output';
    fake.streamDeltaDelayMs = 50;
    fake.runDurationMs = 1000;
    await abandonStream(app.url, { user_id: 'ann', message: 'a long question that the client will not wait for' });
    fake.streamDeltaDelayMs = 0;
    fake.runDurationMs = 0;
    const next = await chat('next').expect(200);
    expect(next.body.answer).toBe(fake.answerFor('next', 2));
    expect(questions(fake, first.body.thread_id as string)).toEqual(['kept', 'next']);
  });
});

describe('unacknowledged turns in responses mode when only the question joins', () => {
  it('removes the lone question of an abandoned stream, and nothing of the turn before', async () => {
    const fake = await FakeOpenAiServer.start();
    const app = await startTestApp({ OPENAI_API_KEY: 'sk-test-turns', OPENAI_BASE_URL: fake.baseURL, OPENAI_MAX_RETRIES: '0' });
    try {
      const first = await request(app.url).post('/api/chat').send({ user_id: 'bo', message: 'kept' }).expect(200);
      fake.abortedStreamJoins = 'input';
      fake.streamDeltaDelayMs = 50;
      await abandonStream(app.url, { user_id: 'bo', message: 'gone' });
      fake.streamDeltaDelayMs = 0;
      const next = await request(app.url).post('/api/chat').send({ user_id: 'bo', message: 'next' }).expect(200);
      expect(next.body.answer).toBe(fake.answerFor('next', 2));
      const items = fake.conversations.get(first.body.thread_id as string)?.items ?? [];
      expect(items.map((item) => `${item.role}: ${item.text}`)).toEqual([
        'user: kept',
        `assistant: ${fake.answerFor('kept', 1)}`,
        'user: next',
        `assistant: ${fake.answerFor('next', 2)}`,
      ]);
    } finally {
      await app.close();
      await fake.stop();
    }
  });
});
