import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parseUserKeyString } from '../../auth/user-key';
import { UsageError } from '../../persistence/errors/usage.error';
import { isExchange } from '../adapters/log-file.format';
import type { ConversationLogStore, Exchange } from '../conversation-log.port';

export interface ImportSummary {
  users: number;
  /** Exchanges the store did not have. */
  added: number;
  /** Exchanges it had already (same user, texts and timestamp). */
  present: number;
  /** Whether the file was read a user at a time, or had to be read whole. */
  streamed: boolean;
}

/**
 * Loads a conversations.json file into the store, idempotently. A file with one
 * user per line (what the JSON store and log:export write) is streamed a user at
 * a time; any other layout of valid JSON (the seed's, a pretty-printed one) is
 * read whole, which needs memory for the whole file. Users already imported when
 * the streaming read meets a line it cannot take are found present the second time.
 */
export async function importLog(store: ConversationLogStore, path: string): Promise<ImportSummary> {
  const summary: ImportSummary = { users: 0, added: 0, present: 0, streamed: true };
  const add = async (key: string, value: unknown): Promise<void> => {
    const exchanges = validExchanges(key, value);
    const added = await store.importExchanges(parseUserKeyString(key), exchanges);
    summary.users += 1;
    summary.added += added;
    summary.present += exchanges.length - added;
  };
  if (await importLineByLine(path, add).catch((error: unknown) => rethrowUnreadable(path, error))) return summary;
  Object.assign(summary, { users: 0, added: 0, present: 0, streamed: false });
  let whole: unknown;
  const text = await readFile(path, 'utf8').catch((error: unknown) => rethrowUnreadable(path, error));
  try {
    whole = JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`${path} is not a JSON file: ${(error as Error).message}`);
  }
  if (typeof whole !== 'object' || whole === null || Array.isArray(whole)) {
    throw new UsageError(`${path} is not a conversation log: expected one object of user id -> list of exchanges`);
  }
  for (const [key, value] of Object.entries(whole)) await add(key, value);
  return summary;
}

/** Reads `{`, then one `"user":[...]` member per line, then `}`; false as soon as the file is laid out otherwise. */
async function importLineByLine(path: string, add: (key: string, value: unknown) => Promise<void>): Promise<boolean> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let state: 'start' | 'members' | 'end' = 'start';
  try {
    for await (const raw of lines) {
      const line = raw.trim();
      if (line === '') continue;
      if (state === 'start') {
        if (line !== '{') return false;
        state = 'members';
      } else if (state === 'end') {
        return false;
      } else if (line === '}') {
        state = 'end';
      } else {
        const member = parseMember(line);
        if (member === undefined) return false;
        await add(member[0], member[1]);
      }
    }
    return state === 'end';
  } finally {
    lines.close();
  }
}

function parseMember(line: string): [string, unknown] | undefined {
  try {
    const entries = Object.entries(JSON.parse(`{${line.endsWith(',') ? line.slice(0, -1) : line}}`) as object);
    return entries.length === 1 ? entries[0] : undefined;
  } catch {
    return undefined;
  }
}

/** A file that cannot be read at all is the user's to fix: one line, no stack. */
function rethrowUnreadable(path: string, error: unknown): never {
  const code = (error as NodeJS.ErrnoException)?.code;
  if (typeof code === 'string' && code.startsWith('E')) throw new UsageError(`cannot read ${path} (${code})`);
  throw error;
}

function validExchanges(key: string, value: unknown): Exchange[] {
  if (!Array.isArray(value)) throw new UsageError(`user ${JSON.stringify(key)}: expected a list of exchanges`);
  const bad = value.findIndex((exchange) => !isExchange(exchange));
  if (bad >= 0) throw new UsageError(`user ${JSON.stringify(key)}, exchange ${bad}: expected {"user", "bot", "timestamp"[, "model", "usage"]}`);
  return value as Exchange[];
}
