import { request as httpRequest } from 'node:http';
import Redis from 'ioredis';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { ReplicaSet } from './support/replica-set';
import { RedisServer } from './support/servers/redis.server';
import { createTestDatabase, type TestDatabase } from './support/servers/test-database.factory';

// The proof that replicas act as one service: real PostgreSQL and Redis, the
// built service (node dist/main.js) three times behind a real HAProxy that
// checks /api/health/live, and the fake OpenAI server as the upstream. Every
// request goes through HAProxy unless a test needs two given replicas.

const TTL_MS = 3000;
const LIMIT = 10;
/** A request that Redis cannot serve must be answered by then (2 s command timeout, plus the request's own work). */
const DOWN_ANSWER_MS = 3000;

interface Answer {
  status: number;
  body: Record<string, unknown>;
  retryAfter: string | null;
  startedAt: number;
  endedAt: number;
}

let ipCounter = 0;
/** Each call a new client address (TRUST_PROXY=1 reads it from X-Forwarded-For): its own rate-limit budget. */
const freshIp = (): string => {
  ipCounter += 1;
  return `10.${(ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
};

/**
 * One request on a connection of its own (no keep-alive), so that a failure is the server's or the
 * balancer's, never a race with a pooled connection that the balancer closed after an error.
 */
function send(base: string, method: string, path: string, ip: string, body?: unknown): Promise<Answer> {
  const startedAt = Date.now();
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve) => {
    const req = httpRequest(
      `${base}${path}`,
      {
        method,
        agent: false,
        timeout: 15_000,
        headers: { 'content-type': 'application/json', 'x-forwarded-for': ip, ...(payload ? { 'content-length': Buffer.byteLength(payload) } : {}) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('error', (error) => resolve(broken(error)));
        res.on('end', () => {
          const header = res.headers['retry-after'];
          resolve({
            status: res.statusCode ?? 0,
            body: text.length > 0 && text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : { text },
            retryAfter: typeof header === 'string' ? header : null,
            startedAt,
            endedAt: Date.now(),
          });
        });
      },
    );
    // The connection broke (a replica killed mid-request): no answer at all.
    const broken = (error: Error): Answer => ({ status: 0, body: { error: error.message }, retryAfter: null, startedAt, endedAt: Date.now() });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (error) => resolve(broken(error)));
    req.end(payload);
  });
}

const chat = (base: string, userId: string, message: string, ip = freshIp()) => send(base, 'POST', '/api/chat', ip, { user_id: userId, message });
const history = async (base: string, userId: string) =>
  (await send(base, 'GET', `/api/chat/history?user_id=${userId}&limit=1000`, freshIp())).body.messages as Array<{ user: string; bot: string }>;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const delta = (after: number[], before: number[]) => after.map((count, i) => count - before[i]);

async function eventually(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await sleep(50);
  }
}

describe('replicas behind HAProxy, on PostgreSQL and Redis', () => {
  let db: TestDatabase;
  let redis: RedisServer;
  let fake: FakeOpenAiServer;
  let responses: ReplicaSet;
  let assistants: ReplicaSet;

  beforeAll(async () => {
    [db, redis, fake] = await Promise.all([createTestDatabase(), RedisServer.start(), FakeOpenAiServer.start()]);
    const shared = {
      OPENAI_BASE_URL: fake.baseURL,
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      THROTTLE_LIMIT: String(LIMIT),
      THROTTLE_TTL_MS: '60000',
      TRUST_PROXY: '1',
    };
    // One at a time: the first applies the migrations; both sets share the database, Redis and the fake.
    responses = await ReplicaSet.start(3, { ...shared, ASSISTANT_API: 'responses', OPENAI_API_KEY: 'sk-test-replicas', TURN_LOCK_TTL_MS: String(TTL_MS) });
    // A long TTL: the lease is renewed rarely, so a lease deleted under a running turn is noticed only after that turn.
    assistants = await ReplicaSet.start(2, {
      ...shared,
      ASSISTANT_API: 'assistants',
      OPENAI_API_KEY: 'sk-test-replicas',
      OPENAI_ASSISTANT_ID: 'asst_test',
      TURN_LOCK_TTL_MS: '30000',
    });
  }, 90_000);

  afterAll(async () => {
    await Promise.all([responses?.stop(), assistants?.stop()]);
    await Promise.all([fake?.stop(), redis?.stop()]);
    await db?.drop();
  }, 30_000);

  afterEach(() => {
    expect(fake.unexpected).toEqual([]);
    expect(fake.errors).toEqual([]);
    fake.latencyMs = 0;
    fake.runDurationMs = 0;
  });

  it('holds the rate limit across replicas, to the request', async () => {
    const ip = freshIp();
    const before = await responses.requestsPerReplica();
    const answers = await Promise.all(Array.from({ length: LIMIT + 6 }, (_, i) => chat(responses.url, `limit-${i}`, 'hi', ip)));
    const spread = delta(await responses.requestsPerReplica(), before);

    expect(answers.map((a) => a.status).sort()).toEqual([...Array<number>(LIMIT).fill(200), ...Array<number>(6).fill(429)]);
    for (const refused of answers.filter((a) => a.status === 429)) expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect(spread.reduce((a, b) => a + b, 0)).toBe(LIMIT + 6);
    expect(spread.every((count) => count > 0)).toBe(true);
    // Another client address has its own budget.
    expect((await chat(responses.url, 'limit-other', 'hi')).status).toBe(200);
  });

  it("runs one user's concurrent turns spread over the replicas one at a time: turns 1..N exactly once, no upstream conflict", async () => {
    fake.latencyMs = 40;
    const turns = 9;
    const before = await responses.requestsPerReplica();
    const upstreamBefore = fake.countRequests('POST /v1/responses');
    const answers = await Promise.all(Array.from({ length: turns }, (_, i) => chat(responses.url, 'turns-user', `m-${i}`)));
    const spread = delta(await responses.requestsPerReplica(), before);

    expect(answers.map((a) => a.status)).toEqual(Array<number>(turns).fill(200));
    expect(new Set(answers.map((a) => a.body.thread_id)).size).toBe(1);
    const numbers = answers.map((a) => Number(/^Echo (\d+): m-\d+$/.exec(String(a.body.answer))?.[1]));
    expect(numbers.sort((x, y) => x - y)).toEqual(Array.from({ length: turns }, (_, i) => i + 1));
    expect(spread.every((count) => count > 0)).toBe(true);
    // No conversation_locked (which would have failed a turn), no retries: one upstream call per turn.
    expect(fake.maxConcurrentPerConversation()).toBe(1);
    expect(fake.countRequests('POST /v1/responses') - upstreamBefore).toBe(turns);
    expect(await history(responses.url, 'turns-user')).toHaveLength(turns);
  });

  it('survives a Redis restart: 503 with Retry-After during the outage, then everything works without restarting a replica', async () => {
    expect((await chat(responses.url, 'outage-user', 'before')).body.answer).toBe('Echo 1: before');
    await redis.kill();
    try {
      for (let i = 0; i < responses.replicas.length; i += 1) {
        const answer = await chat(responses.url, `outage-${i}`, 'during');
        expect(answer.status).toBe(503);
        expect(Number(answer.retryAfter)).toBeGreaterThan(0);
        expect(answer.endedAt - answer.startedAt).toBeLessThan(DOWN_ANSWER_MS);
      }
      for (const replica of responses.replicas) {
        expect((await send(replica.url, 'GET', '/api/health', freshIp())).status).toBe(503);
        expect((await send(replica.url, 'GET', '/api/health/live', freshIp())).status).toBe(200);
      }
    } finally {
      await redis.restart();
    }
    for (const replica of responses.replicas) {
      await eventually(async () => (await send(replica.url, 'GET', '/api/health', freshIp())).status === 200, 10_000, `${replica.url} ready again`);
    }
    const after = await Promise.all(Array.from({ length: 6 }, (_, i) => chat(responses.url, `outage-after-${i}`, 'after')));
    expect(after.map((a) => a.status)).toEqual(Array<number>(6).fill(200));
    expect((await chat(responses.url, 'outage-user', 'after')).body.answer).toBe('Echo 2: after');
  });

  it('loses no answered exchange when a replica is killed with kill -9 mid-traffic; the others serve its users within the lock TTL', async () => {
    fake.latencyMs = 100;
    const users = Array.from({ length: 6 }, (_, i) => `kill-user-${i}`);
    const answered = new Map<string, Answer[]>(users.map((user) => [user, []]));
    const failed: Answer[] = [];
    let stop = false;
    const traffic = users.map(async (user) => {
      for (let seq = 0; !stop; seq += 1) {
        const answer = await chat(responses.url, user, `${user}-${seq}`);
        if (answer.status === 200) answered.get(user)!.push(answer);
        else failed.push(answer);
      }
    });

    await sleep(1200);
    const victim = responses.replicas[1];
    const servedBefore = (await responses.requestsPerReplica())[1];
    victim.kill('SIGKILL');
    // From the moment it is dead: a request that reached it while the kernel was still tearing it down was in flight on it.
    await victim.exited;
    const killedAt = Date.now();
    await eventually(
      async () => [...answered.values()].every((list) => list.some((a) => a.startedAt > killedAt)),
      TTL_MS + 5000,
      'every user answered again after the kill',
    );
    stop = true;
    await Promise.all(traffic);

    expect(servedBefore).toBeGreaterThan(0);
    // Only requests in flight on the victim fail; every later one is served by the others.
    expect(failed.filter((f) => f.startedAt > killedAt).map((f) => ({ status: f.status, body: f.body, at: f.startedAt - killedAt }))).toEqual([]);
    expect(failed.length).toBeLessThanOrEqual(users.length);
    for (const list of answered.values()) {
      const firstAfter = list.find((a) => a.startedAt > killedAt)!;
      expect(firstAfter.endedAt - killedAt).toBeLessThan(TTL_MS + 1500);
    }
    await responses.waitUntilBalanced(2);
    // Every 200 is in the database, read back through the surviving replicas.
    for (const user of users) {
      const logged = await history(responses.url, user);
      const loggedPairs = new Set(logged.map((m) => `${m.user}\n${m.bot}`));
      for (const answer of answered.get(user)!) {
        const sent = String(answer.body.answer).replace(/^Echo \d+: /, '');
        expect(loggedPairs.has(`${sent}\n${String(answer.body.answer)}`)).toBe(true);
      }
    }
    expect(fake.maxConcurrentPerConversation()).toBe(1);
  }, 30_000);

  describe('assistants mode: a run is never cancelled by a sibling', () => {
    const runsOf = (threadId: unknown) => [...fake.runs.values()].filter((run) => run.thread_id === threadId);
    const inProgress = () => [...fake.runs.values()].some((run) => run.status === 'in_progress');
    /** The slow turn and the next one both answered in order, on one thread, and neither run was cancelled. */
    const expectBothRunsCompleted = (done: Answer, next: Answer): void => {
      expect([done.status, next.status]).toEqual([200, 200]);
      expect([done.body.answer, next.body.answer]).toEqual(['Echo 1: slow', 'Echo 2: next']);
      expect(runsOf(done.body.thread_id).map((run) => [run.status, run.cancelled])).toEqual([
        ['completed', false],
        ['completed', false],
      ]);
    };

    it("the next turn on another replica waits for the slow run's turn", async () => {
      const [first, second] = assistants.replicas;
      fake.runDurationMs = 1500;
      const slow = chat(first.url, 'runs-user-1', 'slow');
      await eventually(async () => inProgress(), 5000, 'the slow run started');
      const next = await chat(second.url, 'runs-user-1', 'next');
      const done = await slow;

      expectBothRunsCompleted(done, next);
    });

    it('a replica that gets the turn while a sibling still drives its run (the lease was lost) waits for the run instead of cancelling it', async () => {
      const [first, second] = assistants.replicas;
      fake.runDurationMs = 2000;
      const slow = chat(first.url, 'runs-user-2', 'slow');
      await eventually(async () => inProgress(), 5000, 'the slow run started');
      // Redis loses the lease (as after a restart without persistence): the next turn is not held back by the lock.
      const admin = new Redis(redis.url);
      try {
        const leases = (await admin.keys('chat:turn:*')).filter((key) => key.endsWith(':lease'));
        expect(leases).toHaveLength(1);
        await admin.del(...leases);
      } finally {
        admin.disconnect();
      }
      const next = await chat(second.url, 'runs-user-2', 'next');
      const done = await slow;

      expectBothRunsCompleted(done, next);
      expect(second.logs).toMatch(/held by run run_\w+ of another live replica; waiting for it to end/);
    });
  });
});
