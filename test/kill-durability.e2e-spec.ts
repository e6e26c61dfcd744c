import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { ServiceProcess } from './support/service-process';
import { makeTempDir } from './support/test-app';

/**
 * kill -9 in the middle of a burst of concurrent chats, again and again, on the same
 * directory: the conversation log and the thread store must be whole JSON after
 * every kill and must hold everything a client got a 200 for.
 *
 * The schedule (users, concurrency, kill moment, upstream latency) comes from a seeded
 * PRNG; replay a failure with `KILL_SEED=<seed> npx jest --selectProjects e2e
 * --testPathPatterns kill-durability`. The seed fixes the schedule, not the exact
 * interleaving of the processes.
 */

const SEED = parseSeed(process.env.KILL_SEED);
const ROUNDS = 24;
const USER_POOL = [
  'kd-ana', 'kd-ben', 'kd-chloe', 'kd-dev', 'kd-eli', 'kd-fay', 'kd-gus', 'kd-hana',
  'kd.ivy', 'kd_jon', 'kd:kai', 'kd-lea@corp', 'kd-mo', 'kd-nia', 'KD-OLA',
];
const REQUEST_TIMEOUT_MS = 15000;
const MAX_WAIT_FOR_ANSWERS_MS = 5000;
const ANSWER = /^Echo (\d+): (.*)$/s;

interface ChatBody {
  answer: string;
  user_id: string;
  thread_id: string;
}

/** One request that got a 200; `body` is missing only when the connection died while the body was read. */
interface Answered {
  round: number;
  userId: string;
  message: string;
  body?: ChatBody;
}

interface LoggedExchange {
  user: string;
  bot: string;
  timestamp: number;
}

type LogFile = Record<string, LoggedExchange[]>;

interface ThreadFile {
  version: number;
  users: Record<string, { threadId: string; mode: string; createdAt: number }>;
}

interface RoundPlan {
  round: number;
  concurrency: number;
  /**
   * The kill comes `killDelayMs` after this round's `killAfterAnswers`-th 200 (0: after the burst
   * started), so that the moment depends on the service's progress, not on how busy the machine is.
   */
  killAfterAnswers: number;
  killDelayMs: number;
  latencyMs: number;
  /** Users this round draws from (some from the pool, some never seen before), and the fixed sequence of draws the workers consume in order. */
  users: string[];
  picks: string[];
}

interface BurstResult {
  answered: Answered[];
  /** Responses that came back with a status other than 200 (none should, before the kill). */
  otherStatuses: string[];
  /** Requests that got no response: cut by the kill. */
  cut: number;
}

describe(`SIGKILL during bursts of concurrent chats (KILL_SEED=${SEED})`, () => {
  let fake: FakeOpenAiServer;
  let dir: string;
  let service: (ServiceProcess & { url: string }) | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    fake = await FakeOpenAiServer.start({ latencyMs: 1 });
    dir = await makeTempDir();
    env = {
      ASSISTANT_API: 'responses',
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: fake.baseURL,
      OPENAI_MAX_RETRIES: '0',
      THROTTLE_LIMIT: '1000000',
    };
  });

  afterAll(async () => {
    await service?.stop();
    await fake?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it(`keeps every answered exchange and thread mapping across ${ROUNDS} kills and restarts`, async () => {
    const rng = mulberry32(SEED);
    const logPath = join(dir, 'conversations.json');
    const threadsPath = join(dir, 'threads.json');
    const answered: Answered[] = [];
    const testStartedSeconds = Date.now() / 1000;
    let previousLog: LogFile = {};
    let previousThreads: ThreadFile['users'] = {};
    let roundsWithCutRequests = 0;
    const allUsers = new Set<string>();

    for (let round = 1; round <= ROUNDS; round++) {
      const plan = planRound(rng, round);
      const where = `KILL_SEED=${SEED} round ${round} (${JSON.stringify({ ...plan, picks: undefined })})`;
      fake.latencyMs = plan.latencyMs;
      for (const userId of plan.users) allUsers.add(userId);

      const started = await ServiceProcess.start(env, dir);
      service = started;
      await explain(where, async () => {
        // Start-up cleared the temp files a killed writer left behind, found nothing corrupt, and
        // recovered exactly what the files held at the kill (no leftover temp file was taken for them).
        const names = await readdir(dir);
        expect(names.filter((name) => isTempFile(name) && tempFilePid(name) !== started.pid)).toEqual([]);
        expect(names.filter((name) => name.includes('.corrupt-'))).toEqual([]);
        expect(started.logs).not.toMatch(/not a valid store file/);
        expect(await readLog(logPath, answered.length > 0)).toEqual(previousLog);
        expect((await readThreads(threadsPath, answered.length > 0)).users).toEqual(previousThreads);
      });

      const watcher = watchFiles([logPath, threadsPath]);
      const result = await burstAndKill(started, plan);
      const torn = await watcher.stop();
      service = undefined;
      answered.push(...result.answered);
      if (result.cut > 0) roundsWithCutRequests++;

      await explain(where, async () => {
        // While the service ran, every read of either file saw a whole JSON document.
        expect(torn).toEqual([]);
        expect(result.otherStatuses).toEqual([]);
        // The kill came when planned: after this round's planned number of answers, not by the time cap.
        expect(result.answered.length).toBeGreaterThanOrEqual(plan.killAfterAnswers);
        expect(await started.exited).toEqual({ code: null, signal: 'SIGKILL' });
        expect((await readdir(dir)).filter((name) => name.includes('.corrupt-'))).toEqual([]);

        const log = await readLog(logPath, answered.length > 0);
        const threads = await readThreads(threadsPath, answered.length > 0);
        checkLogShape(log, allUsers, testStartedSeconds);
        checkAnsweredAreLogged(log, answered);
        checkTurnOrder(log);
        checkThreadStore(threads, answered);
        // Restart recovery: nothing on disk before this round was lost or rewritten by it.
        for (const [userId, exchanges] of Object.entries(previousLog)) {
          expect({ userId, exchanges: (log[userId] ?? []).slice(0, exchanges.length) }).toEqual({ userId, exchanges });
        }
        for (const [userId, record] of Object.entries(previousThreads)) {
          expect({ userId, threadId: threads.users[userId]?.threadId }).toEqual({ userId, threadId: record.threadId });
        }
        previousLog = log;
        previousThreads = threads.users;
      });
    }

    // A normal restart serves exactly what the file holds.
    const finalService = await ServiceProcess.start(env, dir);
    service = finalService;
    const log = await readLog(logPath, true);
    expect(Object.keys(log).filter((userId) => !allUsers.has(userId))).toEqual([]);
    for (const userId of allUsers) {
      const response = await fetch(`${finalService.url}/api/chat/history?user_id=${encodeURIComponent(userId)}`, {
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      expect({ userId, status: response.status }).toEqual({ userId, status: 200 });
      // History serves the texts and the time; the file also holds the model and the usage.
      const messages = (log[userId] ?? []).map(({ user, bot, timestamp }) => ({ user, bot, timestamp }));
      expect(await response.json()).toEqual({ user_id: userId, messages, next_before: null });
    }
    finalService.kill('SIGTERM');
    expect(await finalService.exited).toEqual({ code: 0, signal: null });
    service = undefined;
    expect(await readLog(logPath, true)).toEqual(log);

    // The run exercised what it claims to: many acknowledged exchanges, kills that cut requests in flight.
    expect(answered.length).toBeGreaterThan(100);
    expect(answered.filter((a) => a.body !== undefined).length).toBeGreaterThan(100);
    expect(roundsWithCutRequests).toBe(ROUNDS);
    expect(fake.unexpected).toEqual([]);
    expect(fake.errors).toEqual([]);
  }, 180000);
});

/** Every 200 is in the log under its user, with exactly that message and answer. */
function checkAnsweredAreLogged(log: LogFile, answered: Answered[]): void {
  const missing: string[] = [];
  for (const a of answered) {
    const entries = (log[a.userId] ?? []).filter((e) => e.user === a.message);
    // Exactly one entry with that message (messages are unique in the run) and, when the body was read, that answer.
    if (entries.length !== 1 || (a.body !== undefined && entries[0].bot !== a.body.answer)) {
      missing.push(`${a.userId} (round ${a.round}): ${JSON.stringify(a.message)} -> ${JSON.stringify(a.body?.answer)}; log has ${JSON.stringify(entries)}`);
    }
    if (a.body !== undefined) {
      expect({ message: a.message, user_id: a.body.user_id }).toEqual({ message: a.message, user_id: a.userId });
      const [, , echoed] = ANSWER.exec(a.body.answer) ?? [];
      expect({ message: a.message, echoed }).toEqual({ message: a.message, echoed: a.message });
    }
  }
  expect(missing).toEqual([]);
}

/** Per user, the log is in turn order: the fake's turn numbers only increase (gaps are turns lost to a kill). */
function checkTurnOrder(log: LogFile): void {
  for (const [userId, exchanges] of Object.entries(log)) {
    const turns = exchanges.map((e) => Number(ANSWER.exec(e.bot)?.[1]));
    const outOfOrder = turns.filter((turn, i) => !(turn > (i === 0 ? 0 : turns[i - 1])));
    expect({ userId, turns, outOfOrder }).toEqual({ userId, turns, outOfOrder: [] });
  }
}

/** Every user who got a 200 maps to the thread of their latest answered turn (and a user keeps one thread). */
function checkThreadStore(threads: ThreadFile, answered: Answered[]): void {
  const byUser = new Map<string, ChatBody[]>();
  for (const a of answered) {
    if (a.body === undefined) continue;
    byUser.set(a.userId, [...(byUser.get(a.userId) ?? []), a.body]);
  }
  for (const [userId, bodies] of byUser) {
    const latest = bodies.reduce((a, b) => (turnOf(b.answer) > turnOf(a.answer) ? b : a));
    const stored = threads.users[userId];
    expect({ userId, threadId: stored?.threadId, mode: stored?.mode }).toEqual({ userId, threadId: latest.thread_id, mode: 'responses' });
    expect({ userId, threads: [...new Set(bodies.map((b) => b.thread_id))] }).toEqual({ userId, threads: [latest.thread_id] });
  }
}

function checkLogShape(log: LogFile, users: Set<string>, notBeforeSeconds: number): void {
  const now = Date.now() / 1000;
  for (const [userId, exchanges] of Object.entries(log)) {
    expect([...users]).toContain(userId);
    expect(Array.isArray(exchanges)).toBe(true);
    for (const e of exchanges) {
      expect(e).toEqual({
        user: expect.any(String),
        bot: expect.stringMatching(ANSWER),
        timestamp: expect.any(Number),
        model: expect.any(String),
        usage: { input_tokens: expect.any(Number), output_tokens: expect.any(Number), total_tokens: expect.any(Number) },
      });
      // Unix seconds with milliseconds as the fraction.
      expect(e.timestamp).toBeGreaterThanOrEqual(Math.floor(notBeforeSeconds));
      expect(e.timestamp).toBeLessThanOrEqual(now + 1);
    }
  }
}

async function readLog(path: string, mustExist: boolean): Promise<LogFile> {
  const text = await readIfExists(path);
  if (text === undefined) {
    expect({ path, exists: false, mustExist }).toEqual({ path, exists: false, mustExist: false });
    return {};
  }
  const parsed = parseOrReport(path, text);
  expect(typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)).toBe(true);
  return parsed as LogFile;
}

async function readThreads(path: string, mustExist: boolean): Promise<ThreadFile> {
  const text = await readIfExists(path);
  if (text === undefined) {
    expect({ path, exists: false, mustExist }).toEqual({ path, exists: false, mustExist: false });
    return { version: 1, users: {} };
  }
  const parsed = parseOrReport(path, text) as ThreadFile;
  expect(parsed).toEqual({ version: 1, users: expect.any(Object) });
  for (const record of Object.values(parsed.users)) {
    expect(record).toEqual({ threadId: expect.stringMatching(/^conv_/), mode: 'responses', createdAt: expect.any(Number) });
  }
  return parsed;
}

/** JSON.parse, failing with the file's name and a bit of its text instead of a bare SyntaxError. */
function parseOrReport(path: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`${path} is not valid JSON (${(error as Error).message}); ${text.length} chars, ends ${JSON.stringify(text.slice(-80))}`);
  }
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Reads the files over and over while the service writes them; returns every read that did not parse. */
function watchFiles(paths: string[]): { stop(): Promise<string[]> } {
  const torn: string[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      for (const path of paths) {
        const text = await readIfExists(path);
        if (text === undefined) continue;
        try {
          JSON.parse(text);
        } catch {
          torn.push(`${path}: ${text.length} chars, ends ${JSON.stringify(text.slice(-80))}`);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return torn;
    },
  };
}

/**
 * Keeps `concurrency` POST /api/chat requests in flight (each finished one is replaced at
 * once) until the planned moment, then SIGKILLs the service and waits for every request to settle.
 */
async function burstAndKill(service: ServiceProcess & { url: string }, plan: RoundPlan): Promise<BurstResult> {
  const result: BurstResult = { answered: [], otherStatuses: [], cut: 0 };
  let stopped = false;
  let next = 0;
  let progressed!: () => void;
  const enoughAnswers = new Promise<void>((resolve) => (progressed = resolve));
  if (plan.killAfterAnswers === 0) progressed();
  const worker = async (): Promise<void> => {
    while (!stopped) {
      const index = next++;
      const userId = plan.picks[index % plan.picks.length];
      const message = `r${plan.round} m${index} for ${userId}`;
      let response: Response;
      try {
        response = await fetch(`${service.url}/api/chat`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ user_id: userId, message }),
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
      } catch {
        result.cut++;
        continue;
      }
      let body: ChatBody | undefined;
      try {
        body = (await response.json()) as ChatBody;
      } catch {
        body = undefined;
      }
      if (response.status === 200) {
        result.answered.push({ round: plan.round, userId, message, body });
        if (result.answered.length >= plan.killAfterAnswers) progressed();
      } else result.otherStatuses.push(`${response.status} for ${userId}: ${JSON.stringify(body)}`);
    }
  };
  const workers = Array.from({ length: plan.concurrency }, () => worker());
  // Bounded: a service that stops answering is killed anyway (and the counts at the end notice).
  let cap: NodeJS.Timeout | undefined;
  await Promise.race([enoughAnswers, new Promise((resolve) => (cap = setTimeout(resolve, MAX_WAIT_FOR_ANSWERS_MS)))]);
  clearTimeout(cap);
  await new Promise((resolve) => setTimeout(resolve, plan.killDelayMs));
  stopped = true;
  service.kill('SIGKILL');
  await service.exited;
  await Promise.all(workers);
  return result;
}

function planRound(rng: () => number, round: number): RoundPlan {
  const between = (min: number, max: number) => min + Math.floor(rng() * (max - min + 1));
  // Sometimes a few users (long per-user queues), sometimes the whole pool; plus a few new
  // users, so that conversations are started (and thread mappings written) in every round.
  const fresh = Array.from({ length: between(1, 4) }, (_, i) => `kd-r${round}-new${i}`);
  const users = [...shuffle(rng, USER_POOL).slice(0, between(3, USER_POOL.length)), ...fresh];
  return {
    round,
    concurrency: between(20, 40),
    killAfterAnswers: rng() < 0.25 ? 0 : between(1, 40),
    killDelayMs: between(0, 150),
    latencyMs: between(0, 5),
    users,
    picks: Array.from({ length: 5000 }, () => users[Math.floor(rng() * users.length)]),
  };
}

function shuffle<T>(rng: () => number, items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

/** mulberry32: a tiny, well-mixed 32-bit PRNG; the same seed gives the same sequence. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function parseSeed(value: string | undefined): number {
  if (value === undefined || value === '') return 20240917;
  const seed = Number(value);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`KILL_SEED must be a non-negative integer, got ${JSON.stringify(value)}`);
  return seed;
}

function turnOf(answer: string): number {
  return Number(ANSWER.exec(answer)?.[1] ?? NaN);
}

function isTempFile(name: string): boolean {
  return /^(conversations|threads)\.json\.tmp-/.test(name);
}

function tempFilePid(name: string): number {
  return Number(/\.tmp-(\d+)-/.exec(name)?.[1] ?? NaN);
}

/** Runs assertions, prefixing any failure with where in the seeded schedule it happened. */
async function explain(where: string, assertions: () => Promise<void>): Promise<void> {
  try {
    await assertions();
  } catch (error) {
    if (error instanceof Error) error.message = `${where}\n${error.message}`;
    throw error;
  }
}
