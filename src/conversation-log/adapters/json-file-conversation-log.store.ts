import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { parseUserKeyString, type UserKey, userKeyString } from '../../auth/user-key';
import { StorageError, StorageErrorCode } from '../../persistence/errors/storage.error';
import { GrowingJsonArray } from '../../persistence/growing-json-array';
import { jsonObjectChunks } from '../../persistence/json-object-chunks';
import { type Snapshot, StoreFile } from '../../persistence/store-file';
import { ConversationLogStore, type Exchange, type HistoryPage, type HistoryQuery } from '../conversation-log.port';
import { copyExchange, exchangeIdentity, isLogFile } from './log-file.format';

interface UserLog {
  exchanges: Exchange[];
  /**
   * This user's `"id":[...]` member, encoded once and grown by each append, so that a commit encodes
   * only the new exchange (nothing on the request path costs O(history)). Undefined after a change
   * other than an append (a failed write, an import): the next write encodes the user again.
   */
  member: GrowingJsonArray | undefined;
}

/**
 * The conversation log as one JSON object in one file, `{"user": [exchange, ...]}`
 * (the seed's format), rewritten atomically. Concurrent changes are coalesced
 * into one write. A user's cursor is the 1-based position of an exchange in
 * their list, which only grows until the user is erased.
 */
export class JsonFileConversationLogStore extends ConversationLogStore implements OnModuleInit, OnApplicationShutdown {
  private readonly file: StoreFile;
  private readonly logs = new Map<string, UserLog>();

  constructor(path: string, variable = 'CONVERSATION_LOG_PATH') {
    super();
    this.file = new StoreFile(path, variable, () => this.render());
  }

  async onModuleInit(): Promise<void> {
    const stored = await this.file.open(isLogFile);
    // Encoded here, at start-up, rather than by the first request's commit.
    for (const [key, exchanges] of Object.entries(stored ?? {})) this.logs.set(key, { exchanges, member: encodeMember(key, exchanges) });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.file.close();
  }

  async append(user: UserKey, exchange: Exchange): Promise<void> {
    const key = userKeyString(user);
    const log = this.logs.get(key) ?? { exchanges: [], member: undefined };
    const stored = copyExchange(exchange);
    log.exchanges.push(stored);
    log.member?.push(JSON.stringify(stored));
    this.logs.set(key, log);
    try {
      await this.file.commit();
    } catch (error) {
      // Not durable, so not acknowledged: take it back out of memory too.
      const index = log.exchanges.lastIndexOf(stored);
      if (index >= 0) log.exchanges.splice(index, 1);
      log.member = undefined;
      throw writeFailed(error);
    }
  }

  page(user: UserKey, { limit, before }: HistoryQuery): Promise<HistoryPage> {
    const exchanges = this.logs.get(userKeyString(user))?.exchanges ?? [];
    const end = before === undefined ? exchanges.length : Math.min(before - 1, exchanges.length);
    const start = Math.max(0, end - limit);
    return Promise.resolve({
      exchanges: exchanges.slice(start, end).map(copyExchange),
      nextBefore: start > 0 ? start + 1 : undefined,
    });
  }

  async erase(user: UserKey): Promise<void> {
    const key = userKeyString(user);
    const log = this.logs.get(key);
    if (log === undefined) return;
    this.logs.delete(key);
    try {
      await this.file.commit();
    } catch (error) {
      if (!this.logs.has(key)) this.logs.set(key, log);
      throw writeFailed(error);
    }
  }

  async *users(): AsyncIterable<{ user: UserKey; exchanges: Exchange[] }> {
    for (const [key, log] of [...this.logs]) {
      if (log.exchanges.length > 0) yield { user: parseUserKeyString(key), exchanges: log.exchanges.map(copyExchange) };
    }
  }

  async importExchanges(user: UserKey, exchanges: readonly Exchange[]): Promise<number> {
    const key = userKeyString(user);
    const log = this.logs.get(key) ?? { exchanges: [], member: undefined };
    const before = log.exchanges;
    const known = new Set(before.map(exchangeIdentity));
    const added: Exchange[] = [];
    for (const exchange of exchanges) {
      const identity = exchangeIdentity(exchange);
      if (known.has(identity)) continue;
      known.add(identity);
      added.push(copyExchange(exchange));
    }
    if (added.length === 0) return 0;
    log.exchanges = [...before, ...added].sort((a, b) => a.timestamp - b.timestamp);
    log.member = undefined;
    this.logs.set(key, log);
    try {
      await this.file.commit();
    } catch (error) {
      log.exchanges = before;
      log.member = undefined;
      throw writeFailed(error);
    }
    return added.length;
  }

  checkHealth(): Promise<void> {
    return this.file.checkHealth();
  }

  flush(): Promise<void> {
    return this.file.flush();
  }

  private render(): Snapshot {
    const members: Buffer[][] = [];
    for (const [key, log] of this.logs) {
      if (log.exchanges.length === 0) continue;
      log.member ??= encodeMember(key, log.exchanges);
      members.push(log.member.chunks());
    }
    return { contents: jsonObjectChunks(members) };
  }
}

function encodeMember(key: string, exchanges: readonly Exchange[]): GrowingJsonArray {
  return new GrowingJsonArray(key, exchanges.map((exchange) => JSON.stringify(exchange)));
}

function writeFailed(error: unknown): StorageError {
  return new StorageError(StorageErrorCode.WRITE_FAILED, 'The conversation log could not be written', { cause: error });
}
