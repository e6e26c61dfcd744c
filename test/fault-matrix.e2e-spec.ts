import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { STATUS_CODES } from 'node:http';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { FakeOpenAiServer, type Fault } from './support/fake-openai.server';
import { parseSse, type SseEvent } from './support/sse';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Every kind of upstream fault the fake can play × both OpenAI adapters × both
 * chat routes: the contract's status and error shape, no secret in any body,
 * nothing half-done in the log or left running upstream, and the same user's
 * next request answered normally. A fault is aimed at the call each adapter
 * really makes (responses: POST /v1/responses; assistants: the run, or the
 * message where the row says so) instead of being skipped.
 */

const CANARY_KEY = `sk-canary-${randomBytes(12).toString('hex')}`;
const TIMEOUT_MS = 400;
const BREAK_AFTER_DELTAS = 2;

type AdapterName = 'responses' | 'assistants';
type ChatRoute = '/api/chat' | '/api/chat/stream';
/** One app per adapter and profile: the rows differ only in these settings. */
type Profile = 'plain' | 'retry' | 'timeout' | 'refused';

interface Adapter {
  name: AdapterName;
  env: Record<string, string>;
  /** The call that asks for the answer. */
  turnRoute: string;
  /** The first call of a turn on an existing conversation. */
  firstTurnCall: string;
  threadId: RegExp;
  vanish(fake: FakeOpenAiServer, threadId: string): void;
}

const ADAPTERS: Adapter[] = [
  {
    name: 'responses',
    env: {},
    turnRoute: 'POST /v1/responses',
    firstTurnCall: 'POST /v1/responses',
    threadId: /^conv_/,
    vanish: (fake, id) => fake.conversations.delete(id),
  },
  {
    name: 'assistants',
    env: { ASSISTANT_API: 'assistants', OPENAI_ASSISTANT_ID: 'asst_test' },
    turnRoute: 'POST /v1/threads/:id/runs',
    firstTurnCall: 'POST /v1/threads/:id/messages',
    threadId: /^thread_/,
    vanish: (fake, id) => fake.threads.delete(id),
  },
];

const ROUTES: ChatRoute[] = ['/api/chat', '/api/chat/stream'];

type Expected =
  | { kind: 'answer' }
  | { kind: 'new-thread' }
  /** `deltas`: on the stream route the failure comes after this many deltas ('some': at least one), as an `error` event. */
  | { kind: 'error'; status: number; code: string; retryAfter?: string; deltas?: number | 'some' };

interface Ctx {
  adapter: Adapter;
  route: ChatRoute;
}

interface Row {
  name: string;
  profile: Profile;
  faults?(ctx: Ctx): Fault[];
  expected(ctx: Ctx): Expected;
  /** Slows the fake for the failing request only (reset to 0 before the next one). */
  tune?(fake: FakeOpenAiServer, ctx: Ctx): void;
  /** Calls to adapter.turnRoute the failing request should make (SDK retries included). */
  attempts?: number;
  /** The service must have given up on the upstream call itself (aborted it), not left it open. */
  abortsUpstream?: boolean;
  /** Turn number of the user's next message: a failed turn is taken back out of the conversation, so it does not count. */
  nextTurn: number;
}

/** An upstream error body that quotes the key, as OpenAI's 401 does. */
const quoting = (message: string, code: string | null = null) => ({
  error: { message: `${message} (key ${CANARY_KEY})`, type: 'invalid_request_error', param: null, code },
});

const FAULTS: Row[] = [
  {
    name: '500 once, OPENAI_MAX_RETRIES=1: the SDK retries, 200',
    profile: 'retry',
    faults: ({ adapter }) => [{ kind: 'status', route: adapter.turnRoute, status: 500, body: quoting('boom'), times: 1 }],
    expected: () => ({ kind: 'answer' }),
    attempts: 2,
    nextTurn: 2,
  },
  {
    name: '500 always: 502',
    profile: 'retry',
    faults: ({ adapter }) => [{ kind: 'status', route: adapter.turnRoute, status: 500, body: quoting('boom'), times: 2 }],
    expected: () => ({ kind: 'error', status: 502, code: 'UPSTREAM_FAILED' }),
    attempts: 2,
    nextTurn: 1,
  },
  {
    name: '429 always with retry-after: 1: 503 with Retry-After',
    profile: 'retry',
    faults: ({ adapter }) => [
      { kind: 'status', route: adapter.turnRoute, status: 429, headers: { 'retry-after': '1' }, body: quoting('slow down', 'rate_limit_exceeded'), times: 2 },
    ],
    expected: () => ({ kind: 'error', status: 503, code: 'UPSTREAM_RATE_LIMITED', retryAfter: '1' }),
    attempts: 2,
    nextTurn: 1,
  },
  {
    name: '401: 502',
    profile: 'plain',
    faults: ({ adapter }) => [{ kind: 'status', route: adapter.turnRoute, status: 401, body: quoting('Incorrect API key provided', 'invalid_api_key') }],
    expected: () => ({ kind: 'error', status: 502, code: 'UPSTREAM_REJECTED' }),
    attempts: 1,
    nextTurn: 1,
  },
  {
    name: '404 on a vanished conversation/thread: 200 on a new one',
    profile: 'plain',
    expected: () => ({ kind: 'new-thread' }),
    nextTurn: 2,
  },
  {
    name: 'malformed JSON: 502',
    profile: 'plain',
    // Assistants: on the (non-streamed) message call, so the SDK really parses the garbage.
    faults: ({ adapter }) => [{ kind: 'malformed-json', route: adapter.firstTurnCall }],
    expected: () => ({ kind: 'error', status: 502, code: 'UPSTREAM_FAILED' }),
    nextTurn: 1,
  },
  {
    name: 'connection refused: 502 UPSTREAM_UNREACHABLE',
    profile: 'refused',
    expected: () => ({ kind: 'error', status: 502, code: 'UPSTREAM_UNREACHABLE' }),
    nextTurn: 1,
  },
  {
    name: `a hang past OPENAI_TIMEOUT_MS=${TIMEOUT_MS}: 504`,
    profile: 'timeout',
    faults: ({ adapter }) => [{ kind: 'hang', route: adapter.turnRoute }],
    expected: () => ({ kind: 'error', status: 504, code: 'UPSTREAM_TIMEOUT' }),
    abortsUpstream: true,
    nextTurn: 1,
  },
  {
    // The SDK's own timer stops at the response headers: only the service's idle watchdog catches this one.
    name: `a stall after the response headers, past OPENAI_TIMEOUT_MS=${TIMEOUT_MS}: 504`,
    profile: 'timeout',
    // A non-streamed /v1/responses call has no "after the headers": it is delayed before them instead.
    faults: ({ adapter, route }) =>
      adapter.name === 'responses' && route === '/api/chat' ? [{ kind: 'delay', route: adapter.turnRoute, ms: 5 * TIMEOUT_MS }] : [],
    tune: (fake, { adapter }) => {
      if (adapter.name === 'responses') fake.streamDeltaDelayMs = 5 * TIMEOUT_MS;
      else fake.runDurationMs = 60 * TIMEOUT_MS;
    },
    expected: () => ({ kind: 'error', status: 504, code: 'UPSTREAM_TIMEOUT' }),
    abortsUpstream: true,
    nextTurn: 1,
  },
  {
    name: 'a stream that breaks in the middle: 502',
    profile: 'plain',
    // A non-streamed /v1/responses call never takes a stream-break: the nearest thing is a connection dropped mid-call.
    faults: ({ adapter, route }) =>
      adapter.name === 'responses' && route === '/api/chat'
        ? [{ kind: 'reset', route: adapter.turnRoute }]
        : [{ kind: 'stream-break', route: adapter.turnRoute, afterDeltas: BREAK_AFTER_DELTAS }],
    // Long enough that the run is still going when the stream breaks, so the service has to cancel it.
    tune: (fake, { adapter }) => {
      if (adapter.name === 'assistants') fake.runDurationMs = 5 * TIMEOUT_MS;
    },
    expected: ({ adapter, route }) =>
      route === '/api/chat/stream'
        ? { kind: 'error', status: 502, code: 'UPSTREAM_FAILED', deltas: BREAK_AFTER_DELTAS }
        : { kind: 'error', status: 502, code: adapter.name === 'responses' ? 'UPSTREAM_UNREACHABLE' : 'UPSTREAM_FAILED' },
    nextTurn: 1,
  },
  {
    name: 'a response/run that ends failed: 502',
    profile: 'plain',
    faults: ({ adapter }) => [
      adapter.name === 'responses'
        ? { kind: 'response-status', status: 'failed' }
        : { kind: 'run-outcome', status: 'failed', lastErrorCode: 'server_error' },
    ],
    expected: () => ({ kind: 'error', status: 502, code: 'UPSTREAM_FAILED' }),
    nextTurn: 1,
  },
  {
    name: 'a response/run that comes back incomplete: 502',
    profile: 'plain',
    faults: ({ adapter }) => [
      adapter.name === 'responses' ? { kind: 'response-status', status: 'incomplete' } : { kind: 'run-outcome', status: 'incomplete' },
    ],
    // Part of the answer streams before the end says it is incomplete.
    expected: ({ route }) => ({ kind: 'error', status: 502, code: 'UPSTREAM_FAILED', deltas: route === '/api/chat/stream' ? 'some' : undefined }),
    nextTurn: 1,
  },
  {
    name: 'a conversation/thread busy upstream (conversation_locked / a stale active run): 200',
    profile: 'plain',
    faults: ({ adapter }) => [adapter.name === 'responses' ? { kind: 'conversation-locked' } : { kind: 'stale-active-run' }],
    expected: () => ({ kind: 'answer' }),
    nextTurn: 2,
  },
];

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown> | undefined;
  events: SseEvent[];
}

async function post(app: TestApp, route: ChatRoute, body: object): Promise<Reply> {
  const response = await fetch(`${app.url}${route}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  const isStream = response.headers.get('content-type')?.startsWith('text/event-stream') ?? false;
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: isStream ? undefined : (JSON.parse(text) as Record<string, unknown>),
    events: isStream ? parseSse(text) : [],
  };
}

/** The answer of a 200, checked for the route's shape (a stream: deltas that add up to `done`). */
type Answered = { answer: string; user_id: string; thread_id: string };

/** The answer of a 200, without the usage and timing figures, which the fault matrix does not judge. */
function answerOf(reply: Reply, route: ChatRoute): Answered {
  expect(reply.status).toBe(200);
  if (route === '/api/chat') return withoutFigures(reply.json);
  const done = reply.events.at(-1);
  expect(done?.event).toBe('done');
  const data = withoutFigures(done!.data);
  const deltas = reply.events.filter((e) => e.event === 'delta').map((e) => (e.data as { text: string }).text);
  expect(deltas.join('')).toBe(data.answer);
  return data;
}

function withoutFigures(body: unknown): Answered {
  const { usage: _usage, timing: _timing, ...answered } = body as Answered & { usage?: unknown; timing?: unknown };
  return answered;
}

function expectErrorBody(body: unknown, status: number, code: string, requestId: string | null): void {
  expect(body).toEqual({ statusCode: status, error: STATUS_CODES[status], message: expect.any(String), code, requestId });
}

function expectNoSecrets(reply: Reply): void {
  expect(reply.text).not.toContain(CANARY_KEY);
  expect(reply.text).not.toMatch(/"stack"|\n\s+at \S+ \(/);
}

async function logged(app: TestApp): Promise<Record<string, unknown[]>> {
  return JSON.parse(await readFile(app.logPath, 'utf8').catch(() => '{}')) as Record<string, unknown[]>;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A TCP relay from `port` to the fake: the upstream that refused connections is back. */
async function relay(port: number, target: URL): Promise<() => Promise<void>> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    return socket;
  };
  const server = createServer((client) => {
    const upstream = track(connect(Number(target.port), target.hostname));
    track(client).pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  }).listen(port, '127.0.0.1');
  await once(server, 'listening');
  return async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  };
}

const pathOf = (route: string) => new RegExp(`^${route.split(' ')[1].replace(/:[^/]+/g, '[^/]+')}$`);

describe.each(ADAPTERS)('fault matrix: $name adapter', (adapter) => {
  let fake: FakeOpenAiServer;
  let deadPort: number;
  const apps = {} as Record<Profile, TestApp>;
  let serial = 0;

  beforeAll(async () => {
    fake = await FakeOpenAiServer.start();
    deadPort = await freePort();
    const base = { ...adapter.env, OPENAI_API_KEY: CANARY_KEY, OPENAI_BASE_URL: fake.baseURL, OPENAI_MAX_RETRIES: '0' };
    apps.plain = await startTestApp(base);
    apps.retry = await startTestApp({ ...base, OPENAI_MAX_RETRIES: '1' });
    apps.timeout = await startTestApp({ ...base, OPENAI_TIMEOUT_MS: String(TIMEOUT_MS) });
    apps.refused = await startTestApp({ ...base, OPENAI_BASE_URL: `http://127.0.0.1:${deadPort}/v1` });
  });

  afterAll(async () => {
    for (const app of Object.values(apps)) await app?.close();
    await fake?.stop();
    // Also what arrived between tests (a late cancel, say).
    expect({ unexpected: fake.unexpected, errors: fake.errors }).toEqual({ unexpected: [], errors: [] });
  });

  beforeEach(() => {
    // A test that failed half-way must not leave its faults to the next one (users are fresh, so losing state is harmless).
    if (fake.pendingFaults.length > 0) fake.reset();
  });

  describe.each(ROUTES)('POST %s', (route) => {
    it.each(FAULTS)('$name', async (row) => {
      const ctx = { adapter, route };
      const app = apps[row.profile];
      const user = `fm-${adapter.name}-${++serial}-${randomBytes(4).toString('hex')}`;
      const message = `tell me something in several words ${serial}`;
      const next = `and now the next one ${serial}`;
      const expected = row.expected(ctx);

      let firstThread: string | undefined;
      if (expected.kind === 'new-thread') {
        firstThread = answerOf(await post(app, route, { user_id: user, message: 'before it vanished' }), route).thread_id;
        adapter.vanish(fake, firstThread);
      }
      const logBefore = await logged(app);
      const requestsBefore = fake.requests.length;
      const [unexpectedBefore, errorsBefore] = [fake.unexpected.length, fake.errors.length];
      const runsBefore = new Set(fake.runs.keys());
      const turnCalls = () => fake.requests.slice(requestsBefore).filter((r) => r.method === 'POST' && pathOf(adapter.turnRoute).test(r.path));
      for (const fault of row.faults?.(ctx) ?? []) fake.inject(fault);
      row.tune?.(fake, ctx);

      const reply = await post(app, route, { user_id: user, message }).finally(() => {
        fake.streamDeltaDelayMs = 0;
        fake.runDurationMs = 0;
      });
      expectNoSecrets(reply);
      const requestId = reply.headers.get('x-request-id');
      expect(requestId).toEqual(expect.any(String));
      let thread: string | undefined;

      if (expected.kind === 'error') {
        if (route === '/api/chat/stream' && expected.deltas !== undefined) {
          expect(reply.status).toBe(200);
          const deltas = reply.events.filter((e) => e.event === 'delta').map((e) => (e.data as { text: string }).text);
          if (expected.deltas === 'some') expect(deltas.length).toBeGreaterThan(0);
          else expect(deltas).toHaveLength(expected.deltas);
          expect(fake.answerFor(message, 1).startsWith(deltas.join(''))).toBe(true);
          expect(reply.events.map((e) => e.event)).toEqual([...deltas.map(() => 'delta'), 'error']);
          expectErrorBody(reply.events.at(-1)!.data, expected.status, expected.code, requestId);
        } else {
          // Before any delta a stream's failure is a plain JSON error too.
          expect({ status: reply.status, contentType: reply.headers.get('content-type') }).toEqual({
            status: expected.status,
            contentType: expect.stringMatching(/^application\/json/),
          });
          expectErrorBody(reply.json, expected.status, expected.code, requestId);
          expect(reply.headers.get('retry-after')).toBe(expected.retryAfter ?? null);
        }
        expect(await logged(app)).toEqual(logBefore);
      } else {
        const answered = answerOf(reply, route);
        expect(answered).toEqual({ answer: fake.answerFor(message, 1), user_id: user, thread_id: expect.stringMatching(adapter.threadId) });
        thread = answered.thread_id;
        if (firstThread !== undefined) expect(thread).not.toBe(firstThread);
      }
      if (row.attempts !== undefined) expect(turnCalls()).toHaveLength(row.attempts);
      if (row.abortsUpstream) expect(turnCalls().map((r) => r.aborted)).toEqual([true]);
      expect(fake.pendingFaults).toEqual([]);
      // No run of the failed turn is left going upstream (spending tokens, locking the thread).
      const runsLeft = [...fake.runs.values()].filter((run) => !runsBefore.has(run.id) && !['completed', 'cancelled', 'failed', 'expired', 'incomplete'].includes(run.status));
      expect(runsLeft.map((run) => `${run.id} ${run.status}`)).toEqual([]);

      // The same user's next message is answered normally (after the upstream is back, for a refused connection).
      const stopRelay = row.profile === 'refused' ? await relay(deadPort, new URL(fake.baseURL)) : undefined;
      try {
        const after = await post(app, route, { user_id: user, message: next });
        expectNoSecrets(after);
        const answered = answerOf(after, route);
        expect(answered).toEqual({ answer: fake.answerFor(next, row.nextTurn), user_id: user, thread_id: expect.stringMatching(adapter.threadId) });
        if (thread !== undefined) expect(answered.thread_id).toBe(thread);
      } finally {
        await stopRelay?.();
      }
      const exchanges = (await logged(app))[user].map((entry) => (entry as { user: string }).user);
      expect(exchanges).toEqual(expected.kind === 'error' ? [next] : [...(firstThread ? ['before it vanished'] : []), message, next]);

      expect(fake.requests.every((r) => r.headers.authorization === `Bearer ${CANARY_KEY}`)).toBe(true);
      expect(fake.unexpected.slice(unexpectedBefore)).toEqual([]);
      expect(fake.errors.slice(errorsBefore)).toEqual([]);
    });
  });
});
