import { watch } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { captureLogs, type CapturedLogs } from '../../../test/support/captured-logs';
import { conversationLogStoreSuite, exchange, user, wholeHistory } from '../../../test/support/conversation-log-store.suite';
import { tempFileStore } from '../../../test/support/temp-file-store';
import { StartupError } from '../../common/errors/startup.error';
import { StorageError, StorageErrorCode } from '../../persistence/errors/storage.error';
import { JsonFileConversationLogStore } from './json-file-conversation-log.store';

async function openStore(path: string): Promise<JsonFileConversationLogStore> {
  const store = new JsonFileConversationLogStore(path);
  await store.onModuleInit();
  return store;
}

conversationLogStoreSuite('JsonFileConversationLogStore', () => tempFileStore('conversations.json', openStore));

describe('JsonFileConversationLogStore on disk', () => {
  let dir: string;
  let path: string;
  let logs: CapturedLogs;

  beforeEach(async () => {
    logs = captureLogs();
    dir = await mkdtemp(join(tmpdir(), 'conversation-log-'));
    path = join(dir, 'conversations.json');
  });

  afterEach(async () => {
    logs.restore();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes exactly the contract format: one object of user -> [{user, bot, timestamp}]', async () => {
    const store = await openStore(path);
    await store.append(user('user123'), { user: 'Hello!', bot: 'Hello there!', timestamp: 1696614303.123 });
    await store.append(user('user123'), exchange(2));
    await store.append(user('a:b@c.d-e_f'), exchange(3));

    expect(JSON.parse(await readFile(path, 'utf8'))).toStrictEqual({
      user123: [{ user: 'Hello!', bot: 'Hello there!', timestamp: 1696614303.123 }, exchange(2)],
      'a:b@c.d-e_f': [exchange(3)],
    });
  });

  it('starts empty when the file does not exist, without creating it', async () => {
    const store = await openStore(path);
    expect(await wholeHistory(store, user('user123'))).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });

  it('loads a file in the contract format written by someone else', async () => {
    await writeFile(path, '{"user123": [{"user": "Hello!", "bot": "Hello there!", "timestamp": 1696614303.123}]}');
    const store = await openStore(path);
    expect(await wholeHistory(store, user('user123'))).toEqual([{ user: 'Hello!', bot: 'Hello there!', timestamp: 1696614303.123 }]);
  });

  it.each([
    ['truncated JSON', '{"u": [{"user": "hi", "bot": "yo", "timest'],
    ['an empty file', ''],
    ['a JSON array', '[{"user": "hi", "bot": "yo", "timestamp": 1}]'],
    ['a user mapped to a string', '{"u": "x"}'],
    ['a user mapped to a list of strings', '{"u": ["x"]}'],
    ['JSON null', 'null'],
  ])('moves %s aside byte for byte and starts empty', async (_name, contents) => {
    await writeFile(path, contents);
    const before = Date.now();
    const store = await openStore(path);
    const after = Date.now();

    const names = await readdir(dir);
    expect(names).toEqual([expect.stringMatching(/^conversations\.json\.corrupt-\d{13}$/)]);
    const stamp = Number(names[0].slice('conversations.json.corrupt-'.length));
    expect(stamp).toBeGreaterThanOrEqual(before);
    expect(stamp).toBeLessThanOrEqual(after);
    expect(await readFile(join(dir, names[0]), 'utf8')).toBe(contents);
    expect(await wholeHistory(store, user('u'))).toEqual([]);
    expect(logs.warnings).toEqual([expect.stringContaining(names[0])]);

    await store.append(user('u'), exchange(1));
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ u: [exchange(1)] });
    expect(await readFile(join(dir, names[0]), 'utf8')).toBe(contents);
  });

  // The thread store checks every field of every record; the log only checks that
  // exchanges are objects, so a file whose exchanges lack fields is served as history.
  it.each([
    ['an exchange without bot and timestamp', '{"u": [{"user": "hi"}]}'],
    ['an exchange with a string timestamp', '{"u": [{"user": "hi", "bot": "yo", "timestamp": "yesterday"}]}'],
  ])('moves a file with %s aside instead of serving it', async (_name, contents) => {
    await writeFile(path, contents);
    const store = await openStore(path);
    expect(await wholeHistory(store, user('u'))).toEqual([]);
    expect(await readdir(dir)).toEqual([expect.stringMatching(/^conversations\.json\.corrupt-\d{13}$/)]);
  });

  it('removes temp files left by a killed process, and nothing else', async () => {
    await writeFile(path, JSON.stringify({ u: [exchange(1)] }));
    await writeFile(join(dir, 'conversations.json.tmp-4242-1'), '{"u": [');
    await writeFile(join(dir, 'conversations.json.tmp-4242-17'), '');
    await writeFile(join(dir, 'threads.json.tmp-4242-1'), '{}');

    const store = await openStore(path);

    expect((await readdir(dir)).sort()).toEqual(['conversations.json', 'threads.json.tmp-4242-1']);
    expect(await wholeHistory(store, user('u'))).toEqual([exchange(1)]);
  });

  it('rejects an append it cannot write with STORAGE_WRITE_FAILED and does not keep it', async () => {
    const store = await openStore(path);
    await rm(dir, { recursive: true });

    const failure = await store.append(user('u'), exchange(1)).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(StorageError);
    expect(failure).toMatchObject({ code: StorageErrorCode.WRITE_FAILED });
    expect(await wholeHistory(store, user('u'))).toEqual([]);
    await expect(store.checkHealth()).rejects.toThrow();
  });

  it('keeps earlier exchanges and drops the failed one when the directory disappears', async () => {
    const store = await openStore(path);
    await store.append(user('u'), exchange(1));
    await rm(dir, { recursive: true });

    await expect(store.append(user('u'), exchange(2))).rejects.toMatchObject({ code: StorageErrorCode.WRITE_FAILED });
    await expect(store.append(user('v'), exchange(3))).rejects.toMatchObject({ code: StorageErrorCode.WRITE_FAILED });
    expect(await wholeHistory(store, user('u'))).toEqual([exchange(1)]);
    expect(await wholeHistory(store, user('v'))).toEqual([]);

    // Once writes work again, the file holds what was acknowledged and nothing that was refused.
    await mkdir(dir);
    await store.append(user('u'), exchange(4));
    expect(JSON.parse(await readFile(path, 'utf8'))).toStrictEqual({ u: [exchange(1), exchange(4)] });
  });

  it('coalesces 100 concurrent appends into a few file writes, all of them durable', async () => {
    const store = await openStore(path);
    const replacements: string[] = [];
    // Every atomic write ends with a rename onto the file's name.
    const watcher = watch(dir, (event, name) => {
      if (event === 'rename' && name === 'conversations.json') replacements.push(name);
    });
    try {
      await Promise.all(Array.from({ length: 100 }, (_, n) => store.append(user(`user-${n % 7}`), exchange(n))));
      for (let waited = 0; replacements.length === 0 && waited < 2000; waited += 20) await sleep(20);
      await sleep(50);
    } finally {
      watcher.close();
    }

    expect(replacements.length).toBeGreaterThanOrEqual(1);
    expect(replacements.length).toBeLessThanOrEqual(5);
    const onDisk = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown[]>;
    expect(Object.values(onDisk).flat()).toHaveLength(100);
  });

  it('creates a missing directory at start-up', async () => {
    const nested = join(dir, 'data', 'deeper', 'conversations.json');
    const store = await openStore(nested);
    await store.append(user('u'), exchange(1));
    expect(JSON.parse(await readFile(nested, 'utf8'))).toEqual({ u: [exchange(1)] });
  });

  it('refuses to start on a path that is a directory, in one line naming the variable and the path', async () => {
    await mkdir(path);
    const failure = await openStore(path).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StartupError);
    expect((failure as Error).message).toBe(`CONVERSATION_LOG_PATH: ${path} is a directory, not a file`);
  });

  it('writes its file again once a removed directory is back, when its health is checked', async () => {
    const store = await openStore(path);
    await store.append(user('u'), exchange(1));
    await rm(dir, { recursive: true });
    await expect(store.checkHealth()).rejects.toThrow();
    await mkdir(dir);
    await expect(store.checkHealth()).resolves.toBeUndefined();
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ u: [exchange(1)] });
  });
});
