import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureLogs, type CapturedLogs } from '../../test/support/captured-logs';
import { LocalAssistantAdapter } from '../assistant/adapters/local-assistant.adapter';
import { JsonFileThreadStore } from './adapters/json-file-thread.store';
import { ThreadRegistry, type UserThread } from './thread-registry';

describe('ThreadRegistry with the JSON file store and the local assistant', () => {
  let dir: string;
  let path: string;
  let logs: CapturedLogs;
  let store: JsonFileThreadStore;
  let registry: ThreadRegistry;

  const start = async (): Promise<void> => {
    store = new JsonFileThreadStore(path);
    await store.onModuleInit();
    registry = new ThreadRegistry(store, new LocalAssistantAdapter(0));
  };

  const usersOnDisk = async (): Promise<Record<string, unknown>> =>
    (JSON.parse(await readFile(path, 'utf8')) as { users: Record<string, unknown> }).users;

  beforeEach(async () => {
    logs = captureLogs();
    dir = await mkdtemp(join(tmpdir(), 'thread-registry-'));
    path = join(dir, 'threads.json');
  });

  afterEach(async () => {
    await store.flush();
    logs.restore();
    await rm(dir, { recursive: true, force: true });
  });

  const idOf = async (thread: Promise<UserThread>): Promise<string> => {
    const { threadId, saved } = await thread;
    await saved;
    return threadId;
  };

  it('starts a thread for a new user once and then reuses it', async () => {
    await start();
    const first = await idOf(registry.threadFor('alice'));
    expect(first).toMatch(/^local_/);
    expect(await idOf(registry.threadFor('alice'))).toBe(first);
    expect(await idOf(registry.threadFor('bob'))).not.toBe(first);
  });

  it('has the mapping on disk by the time the thread’s saved promise resolves', async () => {
    await start();
    const before = Date.now();
    const { threadId, saved } = await registry.threadFor('alice');
    await saved;
    expect(await usersOnDisk()).toEqual({
      alice: { threadId, mode: 'local', createdAt: expect.any(Number) },
    });
    expect((await store.get('alice'))?.createdAt).toBeGreaterThanOrEqual(before);
  });

  it('reuses a stored thread of the same mode after a restart', async () => {
    await writeFile(path, JSON.stringify({ version: 1, users: { alice: { threadId: 'local_old', mode: 'local', createdAt: 1 } } }));
    await start();
    expect(await idOf(registry.threadFor('alice'))).toBe('local_old');
  });

  it('replaces a thread stored by another assistant mode with a new local one', async () => {
    await writeFile(path, JSON.stringify({ version: 1, users: { alice: { threadId: 'conv_abc', mode: 'responses', createdAt: 1 } } }));
    await start();

    const { threadId, saved } = await registry.threadFor('alice');
    await saved;

    expect(threadId).toMatch(/^local_/);
    expect(await usersOnDisk()).toEqual({ alice: { threadId, mode: 'local', createdAt: expect.any(Number) } });
    expect(await idOf(registry.threadFor('alice'))).toBe(threadId);
  });

  it('startThread replaces the user’s thread', async () => {
    await start();
    const first = await idOf(registry.threadFor('alice'));
    const { threadId: second, saved } = await registry.startThread('alice');
    await saved;
    expect(second).not.toBe(first);
    expect(await idOf(registry.threadFor('alice'))).toBe(second);
    expect(await usersOnDisk()).toEqual({ alice: expect.objectContaining({ threadId: second }) });
  });

  it('forget returns the record and removes it, on disk too', async () => {
    await start();
    const threadId = await idOf(registry.threadFor('alice'));
    await idOf(registry.threadFor('bob'));

    expect(await registry.forget('alice')).toEqual({ threadId, mode: 'local', createdAt: expect.any(Number) });

    expect(await store.get('alice')).toBeUndefined();
    expect(Object.keys(await usersOnDisk())).toEqual(['bob']);
    expect(await idOf(registry.threadFor('alice'))).not.toBe(threadId);
  });

  it('forget of an unknown user returns undefined', async () => {
    await start();
    expect(await registry.forget('nobody')).toBeUndefined();
  });
});
