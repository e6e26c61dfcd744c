import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureLogs, type CapturedLogs } from '../../test/support/captured-logs';
import { LocalAssistantAdapter } from '../assistant/adapters/local-assistant.adapter';
import { AssistantError, AssistantErrorCode } from '../assistant/errors/assistant.error';
import type { UserKey } from '../auth/user-key';
import { MetricsService } from '../metrics/metrics.service';
import { JsonFileThreadStore } from './adapters/json-file-thread.store';
import { ThreadRegistry } from './thread-registry';
import type { ThreadRecord } from './thread-store.port';

const user = (userId: string, namespace = ''): UserKey => ({ namespace, userId });

/** A thread store on which another process stores a mapping for the user just before ours: the race of two replicas. */
class RacedThreadStore extends JsonFileThreadStore {
  readonly theirs: ThreadRecord = { threadId: 'local_theirs', mode: 'local', createdAt: 1 };

  override async swap(key: UserKey, expected: string | undefined, record: ThreadRecord): Promise<ThreadRecord> {
    await super.swap(key, expected, this.theirs);
    return super.swap(key, expected, record);
  }
}

describe('ThreadRegistry with the JSON file store and the local assistant', () => {
  let dir: string;
  let path: string;
  let logs: CapturedLogs;
  let store: JsonFileThreadStore;
  let assistant: LocalAssistantAdapter;
  let registry: ThreadRegistry;

  const start = async (make = (file: string) => new JsonFileThreadStore(file)): Promise<void> => {
    store = make(path);
    await store.onModuleInit();
    assistant = new LocalAssistantAdapter(0);
    registry = new ThreadRegistry(store, assistant, new MetricsService());
  };

  const usersOnDisk = async (): Promise<Record<string, unknown>> =>
    (JSON.parse(await readFile(path, 'utf8')) as { users: Record<string, unknown> }).users;

  /** The thread the user's next turn runs on. */
  const threadOf = async (key: UserKey): Promise<string> => (await registry.withThread(key, undefined, async (id) => id)).threadId;

  beforeEach(async () => {
    logs = captureLogs();
    dir = await mkdtemp(join(tmpdir(), 'thread-registry-'));
    path = join(dir, 'threads.json');
  });

  afterEach(async () => {
    await store.onApplicationShutdown();
    logs.restore();
    await rm(dir, { recursive: true, force: true });
  });

  it('starts a conversation for a new user once, then reuses it; namespaces are apart', async () => {
    await start();
    const first = await threadOf(user('alice'));
    expect(first).toMatch(/^local_/);
    expect(await threadOf(user('alice'))).toBe(first);
    expect(await threadOf(user('bob'))).not.toBe(first);
    expect(await threadOf(user('alice', 'key:crm'))).not.toBe(first);
  });

  it('has a new mapping on disk before the question is asked', async () => {
    await start();
    const before = Date.now();
    let seenOnDisk: unknown;
    const { threadId, result } = await registry.withThread(user('alice'), undefined, async (id) => {
      seenOnDisk = await usersOnDisk();
      return `asked on ${id}`;
    });
    expect(result).toBe(`asked on ${threadId}`);
    expect(seenOnDisk).toEqual({ alice: { threadId, mode: 'local', createdAt: expect.any(Number) } });
    expect((await store.get(user('alice')))?.createdAt).toBeGreaterThanOrEqual(before);
  });

  it('reuses a stored conversation of the same mode after a restart', async () => {
    await writeFile(path, JSON.stringify({ version: 1, users: { alice: { threadId: 'local_old', mode: 'local', createdAt: 1 } } }));
    await start();
    expect(await threadOf(user('alice'))).toBe('local_old');
  });

  it('replaces a conversation stored by another assistant mode with a new local one', async () => {
    await writeFile(path, JSON.stringify({ version: 1, users: { alice: { threadId: 'conv_abc', mode: 'responses', createdAt: 1 } } }));
    await start();
    const threadId = await threadOf(user('alice'));
    expect(threadId).toMatch(/^local_/);
    expect(await usersOnDisk()).toEqual({ alice: { threadId, mode: 'local', createdAt: expect.any(Number) } });
  });

  it('replaces a conversation the upstream lost once, transparently, and asks again there', async () => {
    await start();
    const lost = await threadOf(user('alice'));
    const asked: string[] = [];
    const { threadId, result } = await registry.withThread(user('alice'), undefined, async (id) => {
      asked.push(id);
      if (id === lost) throw new AssistantError(AssistantErrorCode.THREAD_NOT_FOUND, 'gone');
      return 'answered';
    });
    expect(asked).toEqual([lost, threadId]);
    expect(result).toBe('answered');
    expect(await usersOnDisk()).toEqual({ alice: expect.objectContaining({ threadId }) });
  });

  it('gives up when the replacement is lost too, and passes other failures through untouched', async () => {
    await start();
    const gone = (): Promise<never> => Promise.reject(new AssistantError(AssistantErrorCode.THREAD_NOT_FOUND, 'gone'));
    await expect(registry.withThread(user('alice'), undefined, gone)).rejects.toMatchObject({ code: AssistantErrorCode.THREAD_NOT_FOUND });
    const boom = new Error('boom');
    await expect(registry.withThread(user('alice'), undefined, () => Promise.reject(boom))).rejects.toBe(boom);
  });

  it('uses the conversation another process stored first, and drops its own', async () => {
    await start((file) => new RacedThreadStore(file));
    const theirs = (store as RacedThreadStore).theirs;
    expect(await threadOf(user('alice'))).toBe(theirs.threadId);
    expect(await usersOnDisk()).toEqual({ alice: theirs });
    expect(logs.warnings).toContainEqual(expect.stringContaining('stored a conversation for this user first'));
  });

  it('reset removes the mapping on disk and forgets the conversation upstream', async () => {
    await start();
    const threadId = await threadOf(user('alice'));
    await assistant.answer({ threadId, message: 'remember me' });
    await threadOf(user('bob'));

    await registry.reset(user('alice'));

    expect(await store.get(user('alice'))).toBeUndefined();
    expect(Object.keys(await usersOnDisk())).toEqual(['bob']);
    // The local assistant forgets a deleted conversation: the same id starts at turn 1 again.
    expect((await assistant.answer({ threadId, message: 'again' })).text).toContain('Turn 1.');
    expect(await threadOf(user('alice'))).not.toBe(threadId);
  });

  it('reset of an unknown user changes nothing', async () => {
    await start();
    await threadOf(user('bob'));
    await expect(registry.reset(user('nobody'))).resolves.toBeUndefined();
    expect(Object.keys(await usersOnDisk())).toEqual(['bob']);
  });
});
