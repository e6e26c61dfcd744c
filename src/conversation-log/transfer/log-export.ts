import { open, rename, unlink } from 'node:fs/promises';
import { userKeyString } from '../../auth/user-key';
import { UsageError } from '../../persistence/errors/usage.error';
import { copyExchange } from '../adapters/log-file.format';
import type { ConversationLogStore } from '../conversation-log.port';

/** Bytes gathered before one write: large enough for few system calls, small enough to stay out of the way. */
const CHUNK_BYTES = 1 << 20;

export interface ExportSummary {
  users: number;
  exchanges: number;
}

/**
 * Writes the store's whole log to `path` in the seed's conversations.json format,
 * one user per line (as the JSON store writes it, which lets log:import stream it
 * back), holding one user at a time. The file appears whole or not at all: it is
 * written beside, flushed, and renamed into place.
 */
export async function exportLog(store: ConversationLogStore, path: string): Promise<ExportSummary> {
  const tempPath = `${path}.tmp-${process.pid}`;
  const file = await open(tempPath, 'w', 0o600).catch((error: unknown) => {
    throw new UsageError(`cannot write ${path} (${(error as NodeJS.ErrnoException)?.code ?? String(error)})`);
  });
  const summary: ExportSummary = { users: 0, exchanges: 0 };
  try {
    let pending: Buffer[] = [Buffer.from('{\n')];
    let pendingBytes = 0;
    for await (const { user, exchanges } of store.users()) {
      const member = `${summary.users > 0 ? ',\n' : ''}${JSON.stringify(userKeyString(user))}:${JSON.stringify(exchanges.map(copyExchange))}`;
      pending.push(Buffer.from(member));
      pendingBytes += pending[pending.length - 1].length;
      summary.users += 1;
      summary.exchanges += exchanges.length;
      if (pendingBytes >= CHUNK_BYTES) {
        await file.writev(pending);
        pending = [];
        pendingBytes = 0;
      }
    }
    pending.push(Buffer.from('\n}\n'));
    await file.writev(pending);
    await file.sync();
    await file.close();
    await rename(tempPath, path);
  } catch (error) {
    await file.close().catch(() => undefined);
    await unlink(tempPath).catch(() => undefined);
    throw error;
  }
  return summary;
}
