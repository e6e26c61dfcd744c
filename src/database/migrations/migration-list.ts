import type { Migration, MigrationProvider } from 'kysely';
import type { SqlDialectName } from '../dialects/sql-dialect';
import { initialMigration } from './0001-initial';
import { jobsMigration } from './0002-jobs';

/**
 * Every migration, in order, by name. A static list rather than a directory read
 * at run time, so that the compiled service (dist/) carries them wherever it runs.
 * A new migration gets the next number; an applied one never changes.
 */
export function migrationProvider(dialect: SqlDialectName): MigrationProvider {
  const migrations: Record<string, Migration> = {
    '0001-initial': initialMigration(dialect),
    '0002-jobs': jobsMigration(),
  };
  return { getMigrations: () => Promise.resolve(migrations) };
}
