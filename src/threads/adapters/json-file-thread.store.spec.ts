import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureLogs, type CapturedLogs } from '../../../test/support/captured-logs';
import { threadRecord, threadStoreSuite } from '../../../test/support/thread-store.suite';
import { tempFileStore } from '../../../test/support/temp-file-store';
import type { UserKey } from '../../auth/user-key';
import { StorageError, StorageErrorCode } from '../../persistence/errors/storage.error';
import type { ThreadRecord } from '../thread-store.port';
import { JsonFileThreadStore } from './json-file-thread.store';

const user = (userId: string): UserKey => ({ namespace: '', userId });

/** Makes `record` the user's mapping, whatever it was: what the registry does when it replaces a mapping. */
async function set(store: JsonFileThreadStore, userId: string, record: ThreadRecord): Promise<ThreadRecord> {
  return store.swap(user(userId), (await store.get(user(userId)))?.threadId, record);
}

async function openStore(path: string): Promise<JsonFileThreadStore> {
  const store = new JsonFileThreadStore(path);
  await store.onModuleInit();
  return store;
}

threadStoreSuite('JsonFileThreadStore', () => tempFileStore('threads.json', openStore));

describe('JsonFileThreadStore on disk', () => {
  let dir: string;
  let path: string;
  let logs: CapturedLogs;

  beforeEach(async () => {
    logs = captureLogs();
    dir = await mkdtemp(join(tmpdir(), 'thread-store-'));
    path = join(dir, 'threads.json');
  });

  afterEach(async () => {
    logs.restore();
    await rm(dir, { recursive: true, force: true });
  });

  const validFile = (users: object): string => JSON.stringify({ version: 1, users });

  it('writes a versioned map of user -> {threadId, mode, createdAt}', async () => {
    const store = await openStore(path);
    await set(store, 'alice', threadRecord(1, 'responses'));
    expect(JSON.parse(await readFile(path, 'utf8'))).toStrictEqual({ version: 1, users: { alice: threadRecord(1, 'responses') } });
  });

  it('starts empty when the file does not exist, without creating it', async () => {
    const store = await openStore(path);
    expect(await store.get(user('alice'))).toBeUndefined();
    expect(await readdir(dir)).toEqual([]);
  });

  it.each([
    ['truncated JSON', '{"version": 1, "users": {"alice": {"threadId": "t'],
    ['a JSON array', '[]'],
    ['another format version', JSON.stringify({ version: 2, users: {} })],
    ['no version', JSON.stringify({ users: { alice: threadRecord(1) } })],
    ['users as an array', JSON.stringify({ version: 1, users: [threadRecord(1)] })],
    ['a record with an unknown mode', validFile({ alice: { ...threadRecord(1), mode: 'chat-completions' } })],
    ['a record without threadId', validFile({ alice: { mode: 'local', createdAt: 1 } })],
    ['a record with a string createdAt', validFile({ alice: { ...threadRecord(1), createdAt: 'today' } })],
  ])('moves a file with %s aside byte for byte and starts empty', async (_name, contents) => {
    await writeFile(path, contents);
    const before = Date.now();
    const store = await openStore(path);
    const after = Date.now();

    const names = await readdir(dir);
    expect(names).toEqual([expect.stringMatching(/^threads\.json\.corrupt-\d{13}$/)]);
    const stamp = Number(names[0].slice('threads.json.corrupt-'.length));
    expect(stamp).toBeGreaterThanOrEqual(before);
    expect(stamp).toBeLessThanOrEqual(after);
    expect(await readFile(join(dir, names[0]), 'utf8')).toBe(contents);
    expect(await store.get(user('alice'))).toBeUndefined();
    expect(logs.warnings).toEqual([expect.stringContaining(names[0])]);
  });

  it('removes temp files left by a killed process', async () => {
    await writeFile(path, validFile({ alice: threadRecord(1) }));
    await writeFile(join(dir, 'threads.json.tmp-4242-3'), '{"version": 1, "us');
    const store = await openStore(path);
    expect(await readdir(dir)).toEqual(['threads.json']);
    expect(await store.get(user('alice'))).toEqual(threadRecord(1));
  });

  it('rejects a set it cannot write with STORAGE_WRITE_FAILED and keeps the previous mapping', async () => {
    const store = await openStore(path);
    await set(store, 'alice', threadRecord(1));
    await rm(dir, { recursive: true });

    const failure = await set(store, 'alice', threadRecord(2)).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(StorageError);
    expect(failure).toMatchObject({ code: StorageErrorCode.WRITE_FAILED });
    expect(await store.get(user('alice'))).toEqual(threadRecord(1));
    await expect(set(store, 'bob', threadRecord(3))).rejects.toMatchObject({ code: StorageErrorCode.WRITE_FAILED });
    expect(await store.get(user('bob'))).toBeUndefined();
    await expect(store.checkHealth()).rejects.toThrow();
  });

  it('rejects a delete it cannot write and keeps the mapping', async () => {
    const store = await openStore(path);
    await set(store, 'alice', threadRecord(1));
    await rm(dir, { recursive: true });

    await expect(store.delete(user('alice'))).rejects.toMatchObject({ code: StorageErrorCode.WRITE_FAILED });
    expect(await store.get(user('alice'))).toEqual(threadRecord(1));
  });

  it('writes only acknowledged changes once writes work again', async () => {
    const store = await openStore(path);
    await set(store, 'alice', threadRecord(1));
    await rm(dir, { recursive: true });
    await expect(set(store, 'alice', threadRecord(2))).rejects.toBeInstanceOf(StorageError);
    await mkdir(dir);

    await set(store, 'bob', threadRecord(3));

    expect(JSON.parse(await readFile(path, 'utf8'))).toStrictEqual({
      version: 1,
      users: { alice: threadRecord(1), bob: threadRecord(3) },
    });
  });

  // Each failed change puts back the value it replaced, but that value may itself be a
  // change that failed: then a refused mapping stays in memory and is written later.
  it('after two refused sets of one user, still has the last durable mapping', async () => {
    const store = await openStore(path);
    await set(store, 'alice', threadRecord(1));
    await rm(dir, { recursive: true });

    const results = await Promise.allSettled([
      store.swap(user('alice'), 'thread_1', threadRecord(2)),
      store.swap(user('alice'), 'thread_1', threadRecord(3)),
    ]);

    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    expect(await store.get(user('alice'))).toEqual(threadRecord(1));
  });

  it('after a refused delete and a refused set of one user, still has the last durable mapping', async () => {
    const store = await openStore(path);
    await set(store, 'alice', threadRecord(1));
    await rm(dir, { recursive: true });

    const results = await Promise.allSettled([store.delete(user('alice')), set(store, 'alice', threadRecord(2))]);

    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    expect(await store.get(user('alice'))).toEqual(threadRecord(1));
  });
});
