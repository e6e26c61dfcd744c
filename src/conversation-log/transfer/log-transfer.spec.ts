import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { exchange, user } from '../../../test/support/conversation-log-store.suite';
import { openSqlDatabase, sqlConfig } from '../../../test/support/sql-databases';
import type { SqlDatabase } from '../../database/sql-database';
import { UsageError } from '../../persistence/errors/usage.error';
import { JsonFileConversationLogStore } from '../adapters/json-file-conversation-log.store';
import { SqlConversationLogStore } from '../adapters/sql-conversation-log.store';
import type { Exchange } from '../conversation-log.port';
import { exportLog } from './log-export';
import { importLog } from './log-import';

const rich: Exchange = { ...exchange(3), model: 'gpt-5-mini', usage: { input_tokens: 5, output_tokens: 7, total_tokens: 12 } };
/** A log as the seed keeps it: namespaced users keyed `namespace/userId`, odd ids, texts that need escaping. */
const SEED_LOG: Record<string, Exchange[]> = {
  alice: [exchange(1), exchange(2), rich],
  'a:b@c.d-e_f': [{ user: 'line\nbreak "quoted" 😀', bot: '</script>\t', timestamp: 1696614303.1234567 }],
  'key:crm/alice': [exchange(4, 'crm')],
};

describe('log:export and log:import', () => {
  let dir: string;
  let database: SqlDatabase;
  let sql: SqlConversationLogStore;

  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(new Logger()));

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'log-transfer-'));
    database = await openSqlDatabase(sqlConfig(`sqlite:${join(dir, 'chat.db')}`));
    sql = new SqlConversationLogStore(database);
  });

  afterEach(async () => {
    await database.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function jsonStore(name: string, contents?: unknown): Promise<JsonFileConversationLogStore> {
    if (contents !== undefined) await writeFile(join(dir, name), typeof contents === 'string' ? contents : JSON.stringify(contents));
    const store = new JsonFileConversationLogStore(join(dir, name));
    await store.onModuleInit();
    return store;
  }

  it('moves a JSON log into a database and back out unchanged, streaming the store-written file a user at a time', async () => {
    const source = await jsonStore('conversations.json');
    for (const [key, exchanges] of Object.entries(SEED_LOG)) {
      const [namespace, userId] = key.includes('/') ? key.split('/') : ['', key];
      for (const entry of exchanges) await source.append(user(userId, namespace), entry);
    }
    await source.flush();
    expect(await importLog(sql, join(dir, 'conversations.json'))).toEqual({ users: 3, added: 5, present: 0, streamed: true });
    expect(await exportLog(sql, join(dir, 'export.json'))).toEqual({ users: 3, exchanges: 5 });
    expect(JSON.parse(await readFile(join(dir, 'export.json'), 'utf8'))).toEqual(SEED_LOG);
    expect(await sql.page(user('alice', 'key:crm'), { limit: 10 })).toEqual({ exchanges: [exchange(4, 'crm')], nextBefore: undefined });
  });

  it('adds nothing when the same file, or the store’s own export, is imported again', async () => {
    await writeFile(join(dir, 'seed.json'), JSON.stringify(SEED_LOG, null, 2));
    expect(await importLog(sql, join(dir, 'seed.json'))).toMatchObject({ added: 5, present: 0 });
    expect(await importLog(sql, join(dir, 'seed.json'))).toMatchObject({ added: 0, present: 5 });
    await exportLog(sql, join(dir, 'export.json'));
    expect(await importLog(sql, join(dir, 'export.json'))).toEqual({ users: 3, added: 0, present: 5, streamed: true });
  });

  it.each([
    ['pretty-printed', JSON.stringify(SEED_LOG, null, 2)],
    ['on one line', JSON.stringify(SEED_LOG)],
    ['one user per line but with trailing text', `{\n${Object.entries(SEED_LOG).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',\n')}\n}\n\n`],
  ])('reads a file laid out %s', async (_layout, text) => {
    await writeFile(join(dir, 'seed.json'), text);
    expect(await importLog(sql, join(dir, 'seed.json'))).toMatchObject({ users: 3, added: 5 });
    await exportLog(sql, join(dir, 'export.json'));
    expect(JSON.parse(await readFile(join(dir, 'export.json'), 'utf8'))).toEqual(SEED_LOG);
  });

  it('exports an empty store as an empty object, and from a JSON store as well as from a database', async () => {
    expect(await exportLog(sql, join(dir, 'empty.json'))).toEqual({ users: 0, exchanges: 0 });
    expect(JSON.parse(await readFile(join(dir, 'empty.json'), 'utf8'))).toEqual({});
    const source = await jsonStore('conversations.json', SEED_LOG);
    // Any change makes the JSON store rewrite its file in its own layout, which the export matches byte for byte.
    await source.append(user('bob'), exchange(9));
    await source.flush();
    await exportLog(source, join(dir, 'export.json'));
    expect(await readFile(join(dir, 'export.json'), 'utf8')).toBe(await readFile(join(dir, 'conversations.json'), 'utf8'));
  });

  it.each([
    ['not JSON', '{"alice": [', /is not a JSON file/],
    ['not an object', '[1, 2]', /expected one object of user id -> list of exchanges/],
    ['a user without a list', '{"alice": {"user": "hi"}}', /user "alice": expected a list of exchanges/],
    ['an exchange without a timestamp', '{\n"alice":[{"user":"hi","bot":"hello"}]\n}\n', /user "alice", exchange 0: expected/],
  ])('refuses a file that is %s with a UsageError that says where', async (_case, text, message) => {
    await writeFile(join(dir, 'bad.json'), text);
    const failure = await importLog(sql, join(dir, 'bad.json')).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UsageError);
    expect((failure as Error).message).toMatch(message);
  });
});
