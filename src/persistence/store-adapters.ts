import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { SqlStoresConfig, StoresConfig } from '../config/stores.config';
import { JsonFileConversationLogStore } from '../conversation-log/adapters/json-file-conversation-log.store';
import { SqlConversationLogStore } from '../conversation-log/adapters/sql-conversation-log.store';
import type { ConversationLogStore } from '../conversation-log/conversation-log.port';
import { PostgresSqlDialect } from '../database/dialects/postgres.dialect';
import type { SqlDialect } from '../database/dialects/sql-dialect';
import { SqliteSqlDialect } from '../database/dialects/sqlite.dialect';
import { SqlDatabase } from '../database/sql-database';
import { JsonFileJobStore } from '../jobs/adapters/json-file-job.store';
import { SqlJobStore } from '../jobs/adapters/sql-job.store';
import type { JobStore } from '../jobs/job-store.port';
import { JsonFileThreadStore } from '../threads/adapters/json-file-thread.store';
import { SqlThreadStore } from '../threads/adapters/sql-thread.store';
import type { ThreadStore } from '../threads/thread-store.port';

/**
 * The configured log store, thread store and job store. Each port still gets
 * its own provider (see ConversationLogModule, ThreadsModule and JobsModule),
 * which runs a JSON store's own start-up and shutdown; a database they share is
 * opened and closed here, once, before and after them all.
 */
export class StoreAdapters implements OnModuleInit, OnApplicationShutdown {
  constructor(
    readonly log: ConversationLogStore,
    readonly threads: ThreadStore,
    readonly jobs: JobStore,
    readonly database?: SqlDatabase,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.database?.open();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.database?.close();
  }
}

export function createStoreAdapters(config: StoresConfig): StoreAdapters {
  switch (config.kind) {
    case 'json':
      return new StoreAdapters(
        new JsonFileConversationLogStore(config.conversationLogPath),
        new JsonFileThreadStore(config.threadStorePath),
        new JsonFileJobStore(config.jobStorePath),
      );
    case 'sqlite':
    case 'postgres': {
      const database = new SqlDatabase(createSqlDialect(config), config.database);
      return new StoreAdapters(new SqlConversationLogStore(database), new SqlThreadStore(database), new SqlJobStore(database), database);
    }
    default: {
      const unknown: never = config;
      throw new Error(`Unknown store kind ${JSON.stringify(unknown)}`);
    }
  }
}

export function createSqlDialect(config: SqlStoresConfig): SqlDialect {
  switch (config.kind) {
    case 'sqlite':
      return new SqliteSqlDialect(config.path);
    case 'postgres':
      return new PostgresSqlDialect(config);
    default: {
      const unknown: never = config;
      throw new Error(`Unknown SQL dialect ${JSON.stringify(unknown)}`);
    }
  }
}
