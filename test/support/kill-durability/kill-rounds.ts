import type { FakeOpenAiServer } from '../fake-openai.server';
import { ServiceProcess } from '../service-process';
import {
  type Answered,
  type ChatBody,
  checkAnsweredAreLogged,
  checkLogShape,
  checkThreadStore,
  checkTurnOrder,
  explain,
  type LogContents,
  type ThreadContents,
} from './durability-checks';
import { mulberry32 } from '../seeded-random';
import { planRound, type RoundPlan } from './kill-schedule';

const REQUEST_TIMEOUT_MS = 15000;
const MAX_WAIT_FOR_ANSWERS_MS = 5000;

/** How the kill test reaches one kind of store (JSON files, SQLite, PostgreSQL) besides through the service. */
export interface StoreUnderTest {
  /** The service's environment for this store. */
  env: Record<string, string>;
  /** What the store holds now (the service is dead or idle); `somethingAnswered` says whether it may be empty. */
  read(somethingAnswered: boolean): Promise<{ log: LogContents; threads: ThreadContents }>;
  /** Checks right after a (re)start: recovery left nothing behind. */
  afterStart(service: ServiceProcess): Promise<void>;
  /** Reads the store over and over while the service writes; `stop` returns every read that failed. */
  watch(): { stop(): Promise<string[]> };
}

export interface KillRun {
  seed: number;
  rounds: number;
  /** The run exercised what it claims to: at least this many acknowledged exchanges. */
  minAnswered: number;
  fake: FakeOpenAiServer;
  dir: string;
  store: StoreUnderTest;
  /** Told about the running service, so that the spec's cleanup can kill it after a failure. */
  track(service: ServiceProcess | undefined): void;
}

/**
 * kill -9 in the middle of a burst of concurrent chats, `rounds` times, on the same
 * store: after every kill the store holds everything a client got a 200 for, in
 * turn order, and nothing on it before the round was lost or rewritten.
 */
export async function runKillRounds({ seed, rounds, minAnswered, fake, dir, store, track }: KillRun): Promise<void> {
  const rng = mulberry32(seed);
  const answered: Answered[] = [];
  const testStartedSeconds = Date.now() / 1000;
  let previous: { log: LogContents; threads: ThreadContents } = { log: {}, threads: {} };
  let roundsWithCutRequests = 0;
  const allUsers = new Set<string>();

  for (let round = 1; round <= rounds; round++) {
    const plan = planRound(rng, round);
    const where = `KILL_SEED=${seed} round ${round} (${JSON.stringify({ ...plan, picks: undefined })})`;
    fake.latencyMs = plan.latencyMs;
    for (const userId of plan.users) allUsers.add(userId);

    const started = await ServiceProcess.start(store.env, dir);
    track(started);
    await explain(where, async () => {
      await store.afterStart(started);
      // Recovered exactly what the store held at the kill.
      expect(await store.read(answered.length > 0)).toEqual(previous);
    });

    const watcher = store.watch();
    const result = await burstAndKill(started, plan);
    const torn = await watcher.stop();
    track(undefined);
    answered.push(...result.answered);
    if (result.cut > 0) roundsWithCutRequests++;

    await explain(where, async () => {
      // While the service ran, every read of the store succeeded and saw a whole state.
      expect(torn).toEqual([]);
      expect(result.otherStatuses).toEqual([]);
      // The kill came when planned: after this round's planned number of answers, not by the time cap.
      expect(result.answered.length).toBeGreaterThanOrEqual(plan.killAfterAnswers);
      expect(await started.exited).toEqual({ code: null, signal: 'SIGKILL' });

      const now = await store.read(answered.length > 0);
      checkLogShape(now.log, allUsers, testStartedSeconds);
      checkAnsweredAreLogged(now.log, answered);
      checkTurnOrder(now.log);
      checkThreadStore(now.threads, answered);
      // Restart recovery: nothing in the store before this round was lost or rewritten by it.
      for (const [userId, exchanges] of Object.entries(previous.log)) {
        expect({ userId, exchanges: (now.log[userId] ?? []).slice(0, exchanges.length) }).toEqual({ userId, exchanges });
      }
      for (const [userId, record] of Object.entries(previous.threads)) {
        expect({ userId, threadId: now.threads[userId]?.threadId }).toEqual({ userId, threadId: record.threadId });
      }
      previous = now;
    });
  }

  // A normal restart serves exactly what the store holds, and a SIGTERM changes nothing of it.
  const finalService = await ServiceProcess.start(store.env, dir);
  track(finalService);
  const { log } = await store.read(true);
  expect(Object.keys(log).filter((userId) => !allUsers.has(userId))).toEqual([]);
  for (const userId of allUsers) {
    const served = await wholeHistory(finalService.url, userId);
    expect({ userId, messages: served }).toEqual({ userId, messages: (log[userId] ?? []).map(({ user, bot, timestamp }) => ({ user, bot, timestamp })) });
  }
  finalService.kill('SIGTERM');
  expect(await finalService.exited).toEqual({ code: 0, signal: null });
  track(undefined);
  expect((await store.read(true)).log).toEqual(log);

  // The run exercised what it claims to: many acknowledged exchanges, kills that cut requests in flight.
  expect(answered.length).toBeGreaterThan(minAnswered);
  expect(answered.filter((a) => a.body !== undefined).length).toBeGreaterThan(minAnswered);
  expect(roundsWithCutRequests).toBe(rounds);
  expect(fake.unexpected).toEqual([]);
  expect(fake.errors).toEqual([]);
}

/** GET /api/chat/history page by page, oldest first. */
async function wholeHistory(url: string, userId: string): Promise<unknown[]> {
  const pages: unknown[][] = [];
  let before: string | null = null;
  do {
    const query: string = `user_id=${encodeURIComponent(userId)}&limit=1000${before === null ? '' : `&before=${before}`}`;
    const response = await fetch(`${url}/api/chat/history?${query}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    expect({ userId, status: response.status }).toEqual({ userId, status: 200 });
    const body = (await response.json()) as { user_id: string; messages: unknown[]; next_before: string | null };
    expect(body.user_id).toBe(userId);
    pages.unshift(body.messages);
    before = body.next_before;
  } while (before !== null);
  return pages.flat();
}

interface BurstResult {
  answered: Answered[];
  /** Responses that came back with a status other than 200 (none should, before the kill). */
  otherStatuses: string[];
  /** Requests that got no response: cut by the kill. */
  cut: number;
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
