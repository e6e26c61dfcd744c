import type { UserKey } from '../../src/auth/user-key';
import { SqlConversationLogStore } from '../../src/conversation-log/adapters/sql-conversation-log.store';
import type { SqlDatabase } from '../../src/database/sql-database';
import { mulberry32 } from '../../test/support/seeded-random';
import { seedRows, seedUserId, usersFor } from '../lib/sql-seed';
import { openDatabase, type SqlBenchServers, type SqlKind } from '../lib/sql-target';
import { summarize, type Summary } from '../lib/stats';

export interface SqlScaleRow {
  exchanges: number;
  users: number;
  databaseMb: number;
  /** How long the bulk loader took to fill this database. */
  seedSeconds: number;
  /** One append (a committed, durable insert), awaited before the next. */
  append: Summary;
  /** A user's newest page. */
  page: Summary;
  /** The page before that one (a cursor from the newest page). */
  olderPage: Summary;
}

export interface SqlScale {
  kind: SqlKind;
  pageSize: number;
  rounds: number;
  rows: SqlScaleRow[];
}

const PAGE_SIZE = 50;
const ROUNDS = 10;

interface Sized {
  size: number;
  url: string;
  users: number;
  database: SqlDatabase;
  store: SqlConversationLogStore;
  seedSeconds: number;
  times: { append: number[]; page: number[]; olderPage: number[] };
}

/**
 * The SQL log store itself (no HTTP), one database per size, each filled by the
 * bulk loader; users (about a hundred exchanges each, interleaved in time) picked
 * at random with a fixed seed. The sizes are measured in alternating rounds, so
 * that the machine's drift (disk flushes, other load) falls on all of them alike.
 */
export async function measureSqlScale(
  servers: SqlBenchServers,
  kind: SqlKind,
  sizes: number[],
  samples: number,
  log: (line: string) => void,
): Promise<SqlScale> {
  const sized: Sized[] = [];
  try {
    for (const size of sizes) {
      const url = await servers.newDatabaseUrl(kind, `scale_${size}`);
      const database = await openDatabase(url);
      const entry: Sized = { size, url, users: usersFor(size), database, store: new SqlConversationLogStore(database), seedSeconds: 0, times: { append: [], page: [], olderPage: [] } };
      sized.push(entry);
      const started = Date.now();
      let reported = started;
      await seedRows(database, 0, size, entry.users, (done) => {
        if (Date.now() - reported < 60000) return;
        reported = Date.now();
        log(`    ${kind}: seeded ${done} of ${size} (${Math.round(done / ((Date.now() - started) / 1000))} rows/s)`);
      });
      entry.seedSeconds = (Date.now() - started) / 1000;
      log(`  ${kind}: ${size} exchanges seeded in ${entry.seedSeconds.toFixed(0)} s (${(await servers.sizeMb(url)).toFixed(0)} MB)`);
    }
    const random = mulberry32(20261130);
    const perRound = Math.ceil(samples / ROUNDS);
    for (let round = 0; round <= ROUNDS; round++) {
      // Round 0 warms every database up and is not counted.
      for (const entry of sized) await measureRound(entry, random, round === 0 ? 20 : perRound, round > 0);
    }
    const rows = await Promise.all(
      sized.map(async (entry) => ({
        exchanges: entry.size,
        users: entry.users,
        databaseMb: await servers.sizeMb(entry.url),
        seedSeconds: entry.seedSeconds,
        append: summarize(entry.times.append),
        page: summarize(entry.times.page),
        olderPage: summarize(entry.times.olderPage),
      })),
    );
    for (const row of rows) {
      log(`  ${kind} at ${row.exchanges}: append p50 ${row.append.p50.toFixed(2)} ms, page p50 ${row.page.p50.toFixed(2)} ms, older page p50 ${row.olderPage.p50.toFixed(2)} ms`);
    }
    return { kind, pageSize: PAGE_SIZE, rounds: ROUNDS, rows };
  } finally {
    await Promise.all(sized.map((entry) => entry.database.close()));
  }
}

async function measureRound(entry: Sized, random: () => number, count: number, record: boolean): Promise<void> {
  const pick = (): UserKey => ({ namespace: '', userId: seedUserId(Math.floor(random() * entry.users)) });
  const timed = async (into: number[], run: () => Promise<unknown>): Promise<void> => {
    const started = performance.now();
    await run();
    if (record) into.push(performance.now() - started);
  };
  for (let i = 0; i < count; i++) {
    await timed(entry.times.append, () =>
      entry.store.append(pick(), { user: 'a new question', bot: 'a new answer, about as long as a short reply', timestamp: Date.now() / 1000 }),
    );
  }
  for (let i = 0; i < count; i++) await timed(entry.times.page, () => entry.store.page(pick(), { limit: PAGE_SIZE }));
  for (let i = 0; i < count; i++) {
    const user = pick();
    const { nextBefore } = await entry.store.page(user, { limit: PAGE_SIZE });
    await timed(entry.times.olderPage, () => entry.store.page(user, { limit: PAGE_SIZE, before: nextBefore }));
  }
}
