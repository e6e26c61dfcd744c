import { Worker } from 'node:worker_threads';
import { ATOMIC_WRITER_SOURCE } from './atomic-writer.source';

interface Reply {
  id: number;
  error?: { message: string; code?: string; errno?: number; syscall?: string; path?: string };
}

/**
 * The thread that replaces files for every AtomicFile of the process. Writes of
 * different files queue behind each other here; each store already has at most
 * one write in flight (group commit), so the queue is short. Unreferenced while
 * idle, so that it never keeps a finished process alive.
 */
class AtomicWriterThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, (reply: Reply) => void>();
  private nextId = 1;

  write(path: string, tempPath: string, chunks: readonly Uint8Array[]): Promise<void> {
    const worker = this.started();
    const id = this.nextId++;
    if (this.pending.size === 0) worker.ref();
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, (reply) => (reply.error ? reject(toError(reply.error)) : resolve()));
      // Chunks backed by a SharedArrayBuffer (the stores' encoded entries) are shared, not copied.
      worker.postMessage({ id, path, tempPath, chunks });
    });
  }

  private started(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = new Worker(ATOMIC_WRITER_SOURCE, { eval: true });
    worker.unref();
    worker.on('message', (reply: Reply) => this.settle(reply));
    const fail = (error: Error): void => {
      if (this.worker === worker) this.worker = undefined;
      for (const [id, settle] of this.pending) settle({ id, error: { message: `the file writer thread stopped: ${error.message}`, code: 'EIO' } });
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
    this.worker = worker;
    return worker;
  }

  private settle(reply: Reply): void {
    const settle = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker?.unref();
    settle?.(reply);
  }
}

function toError({ message, ...details }: NonNullable<Reply['error']>): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(message);
  for (const [key, value] of Object.entries(details)) if (value !== undefined) Object.assign(error, { [key]: value });
  return error;
}

export const atomicWriterThread = new AtomicWriterThread();
