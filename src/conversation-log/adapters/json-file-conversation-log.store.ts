import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { AtomicFile } from '../../persistence/atomic-file';
import { StorageError, StorageErrorCode } from '../../persistence/errors/storage.error';
import { GroupCommit } from '../../persistence/group-commit';
import { jsonMember, jsonObjectChunks } from '../../persistence/json-object-chunks';
import { ConversationLogStore, type Exchange } from '../conversation-log.port';

type LogFile = Record<string, Exchange[]>;

interface UserLog {
  exchanges: Exchange[];
  /** This user's `"id":[...]` member, encoded once and kept until it changes: a write re-encodes only what changed. */
  member: Buffer | undefined;
}

/**
 * The conversation log as one JSON object in one file, `{"user": [exchange, ...]}`,
 * rewritten atomically. Concurrent appends are coalesced into one write.
 */
@Injectable()
export class JsonFileConversationLogStore extends ConversationLogStore implements OnModuleInit, OnApplicationShutdown {
  private readonly file: AtomicFile;
  private readonly users = new Map<string, UserLog>();
  private readonly commits = new GroupCommit(() => this.file.write(this.render()));

  constructor(path: string) {
    super();
    this.file = new AtomicFile(path);
  }

  async onModuleInit(): Promise<void> {
    const stored = await this.file.readJson(isLogFile);
    for (const [userId, exchanges] of Object.entries(stored ?? {})) {
      this.users.set(userId, { exchanges, member: undefined });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  async append(userId: string, exchange: Exchange): Promise<void> {
    const log = this.users.get(userId) ?? { exchanges: [], member: undefined };
    const stored = { ...exchange };
    log.exchanges.push(stored);
    log.member = undefined;
    this.users.set(userId, log);
    try {
      await this.commits.request();
    } catch (error) {
      // Not durable, so not acknowledged: take it back out of memory too.
      const index = log.exchanges.lastIndexOf(stored);
      if (index >= 0) log.exchanges.splice(index, 1);
      log.member = undefined;
      throw new StorageError(StorageErrorCode.WRITE_FAILED, 'The conversation log could not be written', {
        cause: error,
      });
    }
  }

  history(userId: string): Promise<readonly Exchange[]> {
    return Promise.resolve((this.users.get(userId)?.exchanges ?? []).map((exchange) => ({ ...exchange })));
  }

  assertWritable(): Promise<void> {
    return this.file.assertWritable();
  }

  flush(): Promise<void> {
    return this.commits.drain();
  }

  private render(): Buffer[] {
    const members: Buffer[] = [];
    for (const [userId, log] of this.users) {
      if (log.exchanges.length === 0) continue;
      log.member ??= jsonMember(userId, JSON.stringify(log.exchanges));
      members.push(log.member);
    }
    return jsonObjectChunks(members);
  }
}

function isLogFile(value: unknown): value is LogFile {
  if (!isPlainObject(value)) return false;
  return Object.values(value).every((list) => Array.isArray(list) && list.every(isExchange));
}

function isExchange(value: unknown): value is Exchange {
  return (
    isPlainObject(value) &&
    typeof value.user === 'string' &&
    typeof value.bot === 'string' &&
    typeof value.timestamp === 'number'
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
