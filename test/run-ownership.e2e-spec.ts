import Redis from 'ioredis';
import { AssistantsApiAdapter } from '../src/assistant/adapters/assistants-api.adapter';
import { InProcessRunOwnership } from '../src/assistant/adapters/in-process-run.ownership';
import { createOpenAiClient } from '../src/assistant/adapters/openai-client.factory';
import { RedisRunOwnership, runOwnerKey } from '../src/assistant/adapters/redis-run.ownership';
import type { RunOwnership } from '../src/assistant/run-ownership.port';
import { RedisConnection } from '../src/redis/redis.connection';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { RedisServer } from './support/servers/redis.server';

// Run ownership in assistants mode: two adapters on one Redis (two replicas)
// and one thread on the fake OpenAI server, driven by the real SDK. The turn
// lock is left out on purpose: this is what happens when a replica finds the
// thread held by a run anyway (a lease lost to a Redis restart or a stall).

const TTL_MS = 1500;

describe('run ownership across replicas (assistants mode)', () => {
  let redis: RedisServer;
  let fake: FakeOpenAiServer;
  const connections: RedisConnection[] = [];

  const replica = (ownership?: RunOwnership): { adapter: AssistantsApiAdapter; ownership: RunOwnership } => {
    let owned = ownership;
    if (owned === undefined) {
      const connection = new RedisConnection({ mode: 'redis', url: redis.url, target: 'test', turnLockTtlMs: TTL_MS });
      connections.push(connection);
      owned = new RedisRunOwnership(connection, TTL_MS);
    }
    const client = createOpenAiClient({ apiKey: 'sk-test', baseURL: fake.baseURL, timeoutMs: 10_000, maxRetries: 0 }, 'warn');
    return { adapter: new AssistantsApiAdapter(client, 'asst_test', owned), ownership: owned };
  };
  const cancelledRuns = () => [...fake.runs.values()].filter((run) => run.cancelled).map((run) => run.id);

  beforeAll(async () => {
    redis = await RedisServer.start();
    fake = await FakeOpenAiServer.start();
  });
  beforeEach(() => {
    fake.reset();
    fake.runDurationMs = 0;
  });
  afterEach(async () => {
    await Promise.all(connections.splice(0).map((connection) => connection.close()));
    expect(fake.unexpected).toEqual([]);
    expect(fake.errors).toEqual([]);
  });
  afterAll(async () => {
    await fake?.stop();
    await redis?.stop();
  });

  it("waits for a live sibling's run to end instead of cancelling it", async () => {
    const [a, b] = [replica(), replica()];
    const threadId = await a.adapter.createThread();
    fake.runDurationMs = 1200;
    const first = a.adapter.answer({ threadId, message: 'slow' });
    await waitFor(() => [...fake.runs.values()].some((run) => run.status === 'in_progress'));
    const [run] = [...fake.runs.values()];
    expect(await b.ownership.ownerOf(run.id)).toBe('sibling');
    expect(await a.ownership.ownerOf(run.id)).toBe('mine');

    const started = Date.now();
    const second = await b.adapter.answer({ threadId, message: 'next' });
    expect(Date.now() - started).toBeGreaterThan(500);
    expect((await first).text).toBe('Echo 1: slow');
    expect(second.text).toBe('Echo 2: next');
    expect(cancelledRuns()).toEqual([]);
    expect(fake.maxConcurrentPerConversation()).toBeLessThanOrEqual(1);
    // The claim is gone with the run.
    expect(await b.ownership.ownerOf(run.id)).toBe('nobody');
  });

  it("cancels a run whose owner died, once the owner's claim has expired", async () => {
    const b = replica();
    const threadId = await b.adapter.createThread();
    // A run that nothing drives any more (its process died), claimed by that process a moment ago.
    fake.runDurationMs = 60_000;
    const orphan = await createRunDirectly(fake, threadId);
    const admin = new Redis(redis.url);
    try {
      await admin.set(runOwnerKey(orphan), 'dead-replica', 'PX', TTL_MS);
      fake.runDurationMs = 0;
      const started = Date.now();
      const answer = await b.adapter.answer({ threadId, message: 'after the crash' });
      const waited = Date.now() - started;
      expect(waited).toBeGreaterThan(TTL_MS - 500);
      expect(waited).toBeLessThan(TTL_MS + 3000);
      expect(answer.text).toBe('Echo 1: after the crash');
      expect(cancelledRuns()).toEqual([orphan]);
    } finally {
      admin.disconnect();
    }
  });

  it('cancels at once a run that nobody claims (a crash leftover), with Redis as in one process', async () => {
    for (const ownership of [undefined, new InProcessRunOwnership()]) {
      fake.reset();
      const b = replica(ownership);
      const threadId = await b.adapter.createThread();
      fake.inject({ kind: 'stale-active-run', threadId });
      const started = Date.now();
      const answer = await b.adapter.answer({ threadId, message: 'hello' });
      expect(Date.now() - started).toBeLessThan(1000);
      expect(answer.text).toBe('Echo 1: hello');
      expect(cancelledRuns()).toHaveLength(1);
    }
  });

  it('answers 503 instead of guessing when the owner cannot be asked (Redis down)', async () => {
    const b = replica();
    const threadId = await b.adapter.createThread();
    fake.inject({ kind: 'stale-active-run', threadId });
    await redis.kill();
    try {
      await expect(b.adapter.answer({ threadId, message: 'hello' })).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', details: { retryAfterSeconds: 5 } });
      expect(cancelledRuns()).toEqual([]);
    } finally {
      await Promise.all(connections.splice(0).map((connection) => connection.close()));
      await redis.restart();
    }
  });
});

/** Starts a run on `threadId` without streaming it, as a process that then died would have. */
async function createRunDirectly(fake: FakeOpenAiServer, threadId: string): Promise<string> {
  const response = await fetch(`${fake.baseURL}/threads/${threadId}/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'openai-beta': 'assistants=v2', authorization: 'Bearer sk-test' },
    body: JSON.stringify({ assistant_id: 'asst_test' }),
  });
  const run = (await response.json()) as { id: string };
  await waitFor(() => fake.runs.get(run.id)?.status === 'in_progress');
  return run.id;
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('waitFor: condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
