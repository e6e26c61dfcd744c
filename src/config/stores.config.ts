import { resolve } from 'node:path';
import { registerAs } from '@nestjs/config';
import type { EnvReader } from './env-reader';
import { parseNamespace } from './read-namespace';

export interface StoresConfig {
  /** Absolute path of the conversation log. */
  conversationLogPath: string;
  /** Absolute path of the user -> thread map. */
  threadStorePath: string;
  /** Absolute path of the background jobs' file (the in-process queue's state). */
  jobStorePath: string;
}

export function parseStoresConfig(env: EnvReader): StoresConfig {
  const conversationLogPath = resolve(env.string('CONVERSATION_LOG_PATH', './conversations.json'));
  const threadStorePath = resolve(env.string('THREAD_STORE_PATH', './threads.json'));
  const jobStorePath = resolve(env.string('JOB_STORE_PATH', './jobs.json'));
  if (conversationLogPath === threadStorePath) {
    env.problem('THREAD_STORE_PATH', 'must not be the same file as CONVERSATION_LOG_PATH');
  }
  if (jobStorePath === conversationLogPath || jobStorePath === threadStorePath) {
    env.problem('JOB_STORE_PATH', 'must not be the same file as CONVERSATION_LOG_PATH or THREAD_STORE_PATH');
  }
  return { conversationLogPath, threadStorePath, jobStorePath };
}

export const storesConfig = registerAs('stores', () => parseNamespace(process.env, parseStoresConfig));
