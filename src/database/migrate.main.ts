import 'reflect-metadata';
import { StoreAdapters } from '../persistence/store-adapters';
import { runStoreTool } from '../persistence/store-tool.runner';

// npm run db:migrate: opening the stores applies pending migrations (under the lock that start-up takes too).
runStoreTool('db:migrate', (app) => {
  const { database } = app.get(StoreAdapters);
  return Promise.resolve(
    database === undefined
      ? 'DATABASE_URL is not set: the JSON files have no schema to migrate'
      : `the database at ${database.dialect.location} is up to date`,
  );
});
