import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A store on a file in its own temp directory, as the shared store suites take it. */
export interface TempFileStore<S> {
  store: S;
  /** Another instance on the same file: what a restart sees. */
  reopen: () => Promise<S>;
  cleanup: () => Promise<void>;
}

/** Opens `fileName` in a new temp directory with `open`; cleanup flushes every instance and removes the directory. */
export async function tempFileStore<S extends { flush(): Promise<void> }>(
  fileName: string,
  open: (path: string) => Promise<S>,
): Promise<TempFileStore<S>> {
  const dir = await mkdtemp(join(tmpdir(), 'store-'));
  const path = join(dir, fileName);
  const opened = [await open(path)];
  return {
    store: opened[0],
    reopen: async () => {
      opened.push(await open(path));
      return opened[opened.length - 1];
    },
    cleanup: async () => {
      await Promise.all(opened.map((store) => store.flush()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
