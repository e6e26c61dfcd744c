import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { userKeyString } from '../src/auth/user-key';
import { SqlConversationLogStore } from '../src/conversation-log/adapters/sql-conversation-log.store';
import type { SqlDatabase } from '../src/database/sql-database';
import { FakeOpenAiServer } from './support/fake-openai.server';
import type { LogContents, ThreadContents } from './support/kill-durability/durability-checks';
import { parseSeed } from './support/kill-durability/kill-schedule';
import { runKillRounds, type StoreUnderTest } from './support/kill-durability/kill-rounds';
import { createTestDatabase, type TestDatabase } from './support/servers/test-database.factory';
import type { ServiceProcess } from './support/service-process';
import { openSqlDatabase, sqlConfig } from './support/sql-databases';
import { makeTempDir } from './support/test-app';

/**
 * The kill -9 rounds of kill-durability.e2e-spec.ts against the SQL stores: every
 * exchange answered with a 200, and every new user's thread mapping, is committed
 * before the answer leaves. Fewer rounds per store than for the JSON files: the
 * commit path is the database's, and each round costs a process start.
 * Replay with `KILL_SEED=<seed> npx jest --testPathPatterns kill-durability-sql`.
 */

const SEED = parseSeed(process.env.KILL_SEED);
const ROUNDS = 12;

describe.each(['SQLite', 'PostgreSQL'])(`SIGKILL during bursts of concurrent chats, %s (KILL_SEED=${SEED})`, (kind) => {
  let fake: FakeOpenAiServer;
  let dir: string;
  let database: TestDatabase | undefined;
  let service: ServiceProcess | undefined;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    fake = await FakeOpenAiServer.start({ latencyMs: 1 });
    dir = await makeTempDir();
    if (kind === 'PostgreSQL') database = await createTestDatabase();
  });

  afterAll(async () => {
    await service?.stop();
    await fake?.stop();
    await database?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
    Logger.overrideLogger(new Logger());
  });

  it(`keeps every answered exchange and thread mapping across ${ROUNDS} kills and restarts`, async () => {
    const url = database?.url ?? `sqlite:${join(dir, 'chat.db')}`;
    await runKillRounds({ seed: SEED, rounds: ROUNDS, minAnswered: 30, fake, dir, store: sqlStore(url, fake), track: (s) => (service = s) });
  }, 120000);
});

function sqlStore(databaseUrl: string, fake: FakeOpenAiServer): StoreUnderTest {
  const config = sqlConfig(databaseUrl);
  return {
    env: {
      ASSISTANT_API: 'responses',
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: fake.baseURL,
      OPENAI_MAX_RETRIES: '0',
      THROTTLE_LIMIT: '1000000',
      DATABASE_URL: databaseUrl,
    },
    read: async () => {
      const opened = await openSqlDatabase(config);
      try {
        return { log: await readLog(opened), threads: await readThreads(opened) };
      } finally {
        await opened.close();
      }
    },
    afterStart: async (started) => {
      expect(started.logs).not.toMatch(/ERROR/);
    },
    watch: () => watchDatabase(openSqlDatabase(config)),
  };
}

async function readLog(database: SqlDatabase): Promise<LogContents> {
  const log: LogContents = {};
  for await (const { user, exchanges } of new SqlConversationLogStore(database).users()) log[userKeyString(user)] = exchanges;
  return log;
}

async function readThreads(database: SqlDatabase): Promise<ThreadContents> {
  const rows = await database.read((db) => db.selectFrom('threads').selectAll().execute());
  return Object.fromEntries(
    rows.map((row) => [userKeyString({ namespace: row.namespace, userId: row.user_id }), { threadId: row.thread_id, mode: row.mode, createdAt: Number(row.created_at) }]),
  );
}

/** Reads the tables over and over on a connection of the test's own while the service writes; returns every read that failed. */
function watchDatabase(opening: Promise<SqlDatabase>): { stop(): Promise<string[]> } {
  const failed: string[] = [];
  let stopped = false;
  const loop = (async () => {
    const database = await opening;
    try {
      while (!stopped) {
        try {
          await database.read((db) => db.selectFrom('exchanges').select((eb) => eb.fn.countAll().as('rows')).execute());
          await database.read((db) => db.selectFrom('threads').select((eb) => eb.fn.countAll().as('rows')).execute());
        } catch (error) {
          failed.push(String((error as Error).cause ?? error));
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    } finally {
      await database.close();
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return failed;
    },
  };
}
