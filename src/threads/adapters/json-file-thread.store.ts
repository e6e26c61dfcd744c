import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ASSISTANT_MODES } from '../../config/openai.config';
import { AtomicFile } from '../../persistence/atomic-file';
import { StorageError, StorageErrorCode } from '../../persistence/errors/storage.error';
import { GroupCommit } from '../../persistence/group-commit';
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
  private readonly commits = new GroupCommit(() => this.file.write(this.render()));

  constructor(path: string) {
    super();
    this.file = new AtomicFile(path);
  }

  async onModuleInit(): Promise<void> {
    const stored = await this.file.readJson(isThreadFile);
    for (const [userId, record] of Object.entries(stored?.users ?? {})) this.records.set(userId, record);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  get(userId: string): Promise<ThreadRecord | undefined> {
    return Promise.resolve(this.records.get(userId));
  }

  async set(userId: string, record: ThreadRecord): Promise<void> {
    const previous = this.records.get(userId);
    this.records.set(userId, record);
    await this.commit(() => restore(this.records, userId, previous, record));
  }

  async delete(userId: string): Promise<void> {
    const previous = this.records.get(userId);
    if (previous === undefined) return;
    this.records.delete(userId);
    await this.commit(() => restore(this.records, userId, previous, undefined));
  }

  assertWritable(): Promise<void> {
    return this.file.assertWritable();
  }

  flush(): Promise<void> {
    return this.commits.drain();
  }

  /** Waits for the write holding the change; on failure undoes it in memory, since it was never durable. */
  private async commit(undo: () => void): Promise<void> {
    try {
      await this.commits.request();
    } catch (error) {
      undo();
      throw new StorageError(StorageErrorCode.WRITE_FAILED, 'The thread store could not be written', { cause: error });
    }
  }

  private render(): string {
    const users = Object.fromEntries(this.records);
    return `${JSON.stringify({ version: FORMAT_VERSION, users } satisfies ThreadFile)}\n`;
  }
}

/** Puts back `previous` unless someone changed the entry again since. */
function restore(
  records: Map<string, ThreadRecord>,
  userId: string,
  previous: ThreadRecord | undefined,
  written: ThreadRecord | undefined,
): void {
  if (records.get(userId) !== written) return;
  if (previous === undefined) records.delete(userId);
  else records.set(userId, previous);
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
