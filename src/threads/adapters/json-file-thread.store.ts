import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ASSISTANT_MODES } from '../../config/openai.config';
import { AtomicFile } from '../../persistence/atomic-file';
import { StorageError, StorageErrorCode } from '../../persistence/errors/storage.error';
import { GroupCommit } from '../../persistence/group-commit';
import { jsonMember, jsonObjectChunks } from '../../persistence/json-object-chunks';
import { type ThreadRecord, ThreadStore } from '../thread-store.port';

const FORMAT_VERSION = 1;

interface ThreadFile {
  version: typeof FORMAT_VERSION;
  users: Record<string, ThreadRecord>;
}

/** user -> thread in one JSON file, rewritten atomically, concurrent changes coalesced into one write. */
@Injectable()
export class JsonFileThreadStore extends ThreadStore implements OnModuleInit, OnApplicationShutdown {
  private readonly file: AtomicFile;
  private readonly records = new Map<string, ThreadRecord>();
  /** Each user's `"id":{...}` member, encoded once and kept until the record changes. */
  private readonly members = new Map<string, Buffer>();
  /** What the file holds: the state of the last successful write. */
  private readonly durable = new Map<string, ThreadRecord>();
  /** Changes not yet in a write that began (undefined: deleted). */
  private changed = new Map<string, ThreadRecord | undefined>();
  private readonly commits = new GroupCommit(() => this.writeSnapshot());

  constructor(path: string) {
    super();
    this.file = new AtomicFile(path);
  }

  async onModuleInit(): Promise<void> {
    const stored = await this.file.readJson(isThreadFile);
    for (const [userId, record] of Object.entries(stored?.users ?? {})) {
      this.records.set(userId, record);
      this.durable.set(userId, record);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  get(userId: string): Promise<ThreadRecord | undefined> {
    const record = this.records.get(userId);
    return Promise.resolve(record === undefined ? undefined : { ...record });
  }

  async set(userId: string, record: ThreadRecord): Promise<void> {
    const written = { ...record };
    this.change(userId, written);
    await this.commit(userId, written);
  }

  async delete(userId: string): Promise<void> {
    if (!this.records.has(userId)) return;
    this.change(userId, undefined);
    await this.commit(userId, undefined);
  }

  assertWritable(): Promise<void> {
    return this.file.assertWritable();
  }

  flush(): Promise<void> {
    return this.commits.drain();
  }

  /**
   * Waits for the write holding the change. If it failed, the change was never
   * durable: unless the entry changed again since, put back what the file holds.
   */
  private async commit(userId: string, written: ThreadRecord | undefined): Promise<void> {
    try {
      await this.commits.request();
    } catch (error) {
      if (this.records.get(userId) === written) {
        const durable = this.durable.get(userId);
        if (durable === undefined) this.records.delete(userId);
        else this.records.set(userId, durable);
        this.members.delete(userId);
      }
      throw new StorageError(StorageErrorCode.WRITE_FAILED, 'The thread store could not be written', { cause: error });
    }
  }

  private change(userId: string, record: ThreadRecord | undefined): void {
    if (record === undefined) this.records.delete(userId);
    else this.records.set(userId, record);
    this.members.delete(userId);
    this.changed.set(userId, record);
  }

  private async writeSnapshot(): Promise<void> {
    const batch = this.changed;
    this.changed = new Map();
    await this.file.write(jsonObjectChunks(this.encodedMembers(), `{"version":${FORMAT_VERSION},"users":`, '}'));
    for (const [userId, record] of batch) {
      if (record === undefined) this.durable.delete(userId);
      else this.durable.set(userId, record);
    }
  }

  private *encodedMembers(): Iterable<Buffer> {
    for (const [userId, record] of this.records) {
      let member = this.members.get(userId);
      if (member === undefined) {
        member = jsonMember(userId, JSON.stringify(record));
        this.members.set(userId, member);
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
  return (
    typeof threadId === 'string' &&
    typeof createdAt === 'number' &&
    (ASSISTANT_MODES as readonly unknown[]).includes(mode)
  );
}
