/** A POST /api/chat that got a 200; `body` is missing only when the connection died while the body was read. */
export interface Answered {
  round: number;
  userId: string;
  message: string;
  body?: ChatBody;
}

export interface ChatBody {
  answer: string;
  user_id: string;
  thread_id: string;
}

export interface LoggedExchange {
  user: string;
  bot: string;
  timestamp: number;
  model?: string;
  usage?: unknown;
}

/** What a store holds, in the seed's shapes: the log by user, and each user's thread mapping. */
export type LogContents = Record<string, LoggedExchange[]>;
export type ThreadContents = Record<string, { threadId: string; mode: string; createdAt: number }>;

export const ANSWER = /^Echo (\d+): (.*)$/s;

/** Every 200 is in the log under its user, with exactly that message and answer. */
export function checkAnsweredAreLogged(log: LogContents, answered: Answered[]): void {
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
export function checkTurnOrder(log: LogContents): void {
  for (const [userId, exchanges] of Object.entries(log)) {
    const turns = exchanges.map((e) => turnOf(e.bot));
    const outOfOrder = turns.filter((turn, i) => !(turn > (i === 0 ? 0 : turns[i - 1])));
    expect({ userId, turns, outOfOrder }).toEqual({ userId, turns, outOfOrder: [] });
  }
}

/** Every user who got a 200 maps to the thread of their latest answered turn (and a user keeps one thread). */
export function checkThreadStore(threads: ThreadContents, answered: Answered[]): void {
  const byUser = new Map<string, ChatBody[]>();
  for (const a of answered) {
    if (a.body === undefined) continue;
    byUser.set(a.userId, [...(byUser.get(a.userId) ?? []), a.body]);
  }
  for (const [userId, bodies] of byUser) {
    const latest = bodies.reduce((a, b) => (turnOf(b.answer) > turnOf(a.answer) ? b : a));
    const stored = threads[userId];
    expect({ userId, threadId: stored?.threadId, mode: stored?.mode }).toEqual({ userId, threadId: latest.thread_id, mode: 'responses' });
    expect({ userId, threads: [...new Set(bodies.map((b) => b.thread_id))] }).toEqual({ userId, threads: [latest.thread_id] });
  }
  for (const record of Object.values(threads)) {
    expect(record).toEqual({ threadId: expect.stringMatching(/^conv_/), mode: 'responses', createdAt: expect.any(Number) });
  }
}

export function checkLogShape(log: LogContents, users: Set<string>, notBeforeSeconds: number): void {
  const now = Date.now() / 1000;
  for (const [userId, exchanges] of Object.entries(log)) {
    expect([...users]).toContain(userId);
    expect(Array.isArray(exchanges)).toBe(true);
    for (const e of exchanges) {
      const { user, bot, timestamp, ...extra } = e;
      expect({ user, bot, timestamp }).toEqual({ user: expect.any(String), bot: expect.stringMatching(ANSWER), timestamp: expect.any(Number) });
      // The fake reports the model and the usage of every turn; the log keeps both.
      expect(extra).toEqual({ model: expect.any(String), usage: { input_tokens: expect.any(Number), output_tokens: expect.any(Number), total_tokens: expect.any(Number) } });
      // Unix seconds with milliseconds as the fraction.
      expect(e.timestamp).toBeGreaterThanOrEqual(Math.floor(notBeforeSeconds));
      expect(e.timestamp).toBeLessThanOrEqual(now + 1);
    }
  }
}

export function turnOf(answer: string): number {
  return Number(ANSWER.exec(answer)?.[1] ?? NaN);
}

/** Runs assertions, prefixing any failure with where in the seeded schedule it happened. */
export async function explain(where: string, assertions: () => Promise<void>): Promise<void> {
  try {
    await assertions();
  } catch (error) {
    if (error instanceof Error) error.message = `${where}\n${error.message}`;
    throw error;
  }
}
