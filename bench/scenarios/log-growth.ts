import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonFileConversationLogStore } from '../../src/conversation-log/adapters/json-file-conversation-log.store';
import { summarize, type Summary } from '../lib/stats';

export interface LogGrowthRow {
  exchanges: number;
  fileMb: number;
  /** One append, awaited before the next (each is its own atomic write). */
  append: Summary;
}

export interface LogGrowth {
  rows: LogGrowthRow[];
  /** `concurrent` appends issued at once on a log of `exchanges`: appends per second. */
  concurrent: { exchanges: number; appends: number; perSecond: number; seconds: number };
}

const USERS_PER_1000 = 100;

/** The JSON file store on a real file, pre-filled with `size` exchanges (10 per user). */
async function storeWith(size: number): Promise<{ store: JsonFileConversationLogStore; path: string; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'chat-bench-log-'));
  const path = join(dir, 'conversations.json');
  const users = Math.max(1, Math.round((size / 1000) * USERS_PER_1000));
  const log: Record<string, unknown[]> = {};
  for (let i = 0; i < size; i++) {
    (log[`user-${i % users}`] ??= []).push({ user: `question number ${i} about something`, bot: `Echo: answer number ${i}, a sentence or two long.`, timestamp: 1_700_000_000 + i / 1000 });
  }
  writeFileSync(path, JSON.stringify(log));
  const store = new JsonFileConversationLogStore(path);
  await store.onModuleInit();
  return { store, path, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function measureLogGrowth(sizes: number[], appends: number, concurrentAt: number, concurrentAppends: number): Promise<LogGrowth> {
  const rows: LogGrowthRow[] = [];
  for (const size of sizes) {
    const { store, path, cleanup } = await storeWith(size);
    try {
      const times: number[] = [];
      for (let i = 0; i < appends; i++) {
        const started = performance.now();
        await store.append({ namespace: '', userId: `user-${i % 7}` }, { user: 'a new question', bot: 'a new answer', timestamp: Date.now() / 1000 });
        times.push(performance.now() - started);
      }
      const { statSync } = await import('node:fs');
      rows.push({ exchanges: size, fileMb: statSync(path).size / 2 ** 20, append: summarize(times) });
    } finally {
      cleanup();
    }
  }

  const { store, cleanup } = await storeWith(concurrentAt);
  try {
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrentAppends }, (_, i) =>
        store.append({ namespace: '', userId: `user-${i % 500}` }, { user: `q${i}`, bot: `a${i}`, timestamp: Date.now() / 1000 }),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    return { rows, concurrent: { exchanges: concurrentAt, appends: concurrentAppends, perSecond: concurrentAppends / seconds, seconds } };
  } finally {
    cleanup();
  }
}
