import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { type UserKey, userKeyString } from '../../auth/user-key';
import { ASSISTANT_MODES } from '../../config/openai.config';
import { StorageError, StorageErrorCode } from '../../persistence/errors/storage.error';
import { jsonMember, jsonObjectChunks } from '../../persistence/json-object-chunks';
import { type Snapshot, StoreFile } from '../../persistence/store-file';
import { type ThreadRecord, ThreadStore } from '../thread-store.port';

const FORMAT_VERSION = 1;

interface ThreadFile {
  version: typeof FORMAT_VERSION;
  users: Record<string, ThreadRecord>;
}

/** user -> thread in one JSON file, rewritten atomically, concurrent changes coalesced into one write. */
export class JsonFileThreadStore extends ThreadStore implements OnModuleInit, OnApplicationShutdown {
  private readonly file: StoreFile;
  private readonly records = new Map<string, ThreadRecord>();
  /** Each user's `"id":{...}` member, encoded once and kept until the record changes. */
  private readonly members = new Map<string, Buffer>();
  /** What the file holds: the state of the last successful write. */
  private readonly durable = new Map<string, ThreadRecord>();
  /** Changes not yet in a write that began (undefined: deleted). */
  private changed = new Map<string, ThreadRecord | undefined>();

  constructor(path: string, variable = 'THREAD_STORE_PATH') {
    super();
    this.file = new StoreFile(path, variable, () => this.snapshot());
  }

  async onModuleInit(): Promise<void> {
    const stored = await this.file.open(isThreadFile);
    for (const [key, record] of Object.entries(stored?.users ?? {})) {
      this.records.set(key, record);
      this.durable.set(key, record);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.file.close();
  }

  get(user: UserKey): Promise<ThreadRecord | undefined> {
    const record = this.records.get(userKeyString(user));
    return Promise.resolve(record === undefined ? undefined : { ...record });
  }

  async swap(user: UserKey, expectedThreadId: string | undefined, record: ThreadRecord): Promise<ThreadRecord> {
    const key = userKeyString(user);
    for (;;) {
      const current = this.records.get(key);
      if (current === undefined || current.threadId === expectedThreadId) {
        const written = { ...record };
        this.change(key, written);
        await this.commit(key, written);
        return { ...written };
      }
      // Another caller's mapping won; hand it out only once it is durable, or look again if its write fails.
      if (this.durable.get(key) === current) return { ...current };
      await this.file.commit().catch(() => undefined);
    }
  }

  async delete(user: UserKey): Promise<ThreadRecord | undefined> {
    const key = userKeyString(user);
    const current = this.records.get(key);
    if (current === undefined) return undefined;
    this.change(key, undefined);
    await this.commit(key, undefined);
    return { ...current };
  }

  checkHealth(): Promise<void> {
    return this.file.checkHealth();
  }

  flush(): Promise<void> {
    return this.file.flush();
  }

  /**
   * Waits for the write holding the change. If it failed, the change was never
   * durable: unless the entry changed again since, put back what the file holds.
   */
  private async commit(key: string, written: ThreadRecord | undefined): Promise<void> {
    try {
      await this.file.commit();
    } catch (error) {
      if (this.records.get(key) === written) {
        const durable = this.durable.get(key);
        if (durable === undefined) this.records.delete(key);
        else this.records.set(key, durable);
        this.members.delete(key);
      }
      throw new StorageError(StorageErrorCode.WRITE_FAILED, 'The thread store could not be written', { cause: error });
    }
  }

  private change(key: string, record: ThreadRecord | undefined): void {
    if (record === undefined) this.records.delete(key);
    else this.records.set(key, record);
    this.members.delete(key);
    this.changed.set(key, record);
  }

  /** The file's contents; the changes it holds count as durable once the write that took them succeeds. */
  private snapshot(): Snapshot {
    const batch = this.changed;
    this.changed = new Map();
    return {
      contents: jsonObjectChunks(this.encodedMembers(), `{"version":${FORMAT_VERSION},"users":`, '}'),
      written: () => {
        for (const [key, record] of batch) {
          if (record === undefined) this.durable.delete(key);
          else this.durable.set(key, record);
        }
      },
    };
  }

  private *encodedMembers(): Iterable<Buffer> {
    for (const [key, record] of this.records) {
      let member = this.members.get(key);
      if (member === undefined) {
        member = jsonMember(key, JSON.stringify(record));
        this.members.set(key, member);
      }
      yield member;
    }
  }
}

function isThreadFile(value: unknown): value is ThreadFile {
  if (typeof value !== 'object' || value === null) return false;
  const { version, users } = value as Partial<ThreadFile>;
  if (version !== FORMAT_VERSION || typeof users !== 'object' || users === null || Array.isArray(users)) return false;
  return Object.values(users).every(isThreadRecord);
}

function isThreadRecord(value: unknown): value is ThreadRecord {
  if (typeof value !== 'object' || value === null) return false;
  const { threadId, mode, createdAt } = value as Partial<ThreadRecord>;
  return typeof threadId === 'string' && typeof createdAt === 'number' && (ASSISTANT_MODES as readonly unknown[]).includes(mode);
}
