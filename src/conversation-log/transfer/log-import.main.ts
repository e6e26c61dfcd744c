import 'reflect-metadata';
import { resolve } from 'node:path';
import { UsageError } from '../../persistence/errors/usage.error';
import { runStoreTool } from '../../persistence/store-tool.runner';
import { ConversationLogStore } from '../conversation-log.port';
import { importLog } from './log-import';

// npm run log:import -- IN.json: adds the file's exchanges that the configured store does not have yet.
runStoreTool('log:import', async (app) => {
  const [input, ...extra] = process.argv.slice(2);
  if (input === undefined || extra.length > 0) throw new UsageError('usage: npm run log:import -- IN.json');
  const path = resolve(input);
  const { users, added, present, streamed } = await importLog(app.get(ConversationLogStore), path);
  return `imported ${added} new exchange(s) of ${users} user(s) from ${path} (${present} already there; ${streamed ? 'read a user at a time' : 'read whole'})`;
});
