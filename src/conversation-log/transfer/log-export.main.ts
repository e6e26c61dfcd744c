import 'reflect-metadata';
import { resolve } from 'node:path';
import { UsageError } from '../../persistence/errors/usage.error';
import { runStoreTool } from '../../persistence/store-tool.runner';
import { ConversationLogStore } from '../conversation-log.port';
import { exportLog } from './log-export';

// npm run log:export -- OUT.json: the configured store's log, in the seed's conversations.json format.
runStoreTool('log:export', async (app) => {
  const [out, ...extra] = process.argv.slice(2);
  if (out === undefined || extra.length > 0) throw new UsageError('usage: npm run log:export -- OUT.json');
  const path = resolve(out);
  const { users, exchanges } = await exportLog(app.get(ConversationLogStore), path);
  return `exported ${exchanges} exchange(s) of ${users} user(s) to ${path}`;
});
