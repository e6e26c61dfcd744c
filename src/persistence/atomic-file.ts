import { constants } from 'node:fs';
import { access, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Logger } from '@nestjs/common';

/**
 * One file that is replaced whole and atomically: the contents go to a temporary
 * file in the same directory, which is flushed to disk and renamed over the old
 * one, and the directory is flushed too. A reader (or a `kill -9`) sees either
 * the old file or the new one, never a torn write.
 */
export class AtomicFile {
  private readonly logger = new Logger(AtomicFile.name);
  private tempCounter = 0;

  constructor(readonly path: string) {}

  /**
   * The parsed file, `undefined` when it does not exist. A file that is not JSON
   * or fails `isValid` is never overwritten: it is renamed to
   * `<name>.corrupt-<unix ms>` and `undefined` is returned.
   */
  async readJson<T>(isValid: (value: unknown) => value is T): Promise<T | undefined> {
    await this.removeStaleTempFiles();
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    const value = parseJson(text);
    if (value !== undefined && isValid(value)) return value;
    const asidePath = `${this.path}.corrupt-${Date.now()}`;
    await rename(this.path, asidePath);
    this.logger.warn(`${this.path} is not a valid store file; moved it aside to ${asidePath} and started empty`);
    return undefined;
  }

  /** Replaces the file with `contents` (a string, or buffers written in one vectored write). */
  async write(contents: string | readonly Buffer[]): Promise<void> {
    const tempPath = `${this.path}.tmp-${process.pid}-${++this.tempCounter}`;
    try {
      const handle = await open(tempPath, 'w', 0o600);
      try {
        if (typeof contents === 'string') await handle.writeFile(contents, 'utf8');
        else await handle.writev(contents as Buffer[]);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tempPath, this.path);
    } catch (error) {
      await unlink(tempPath).catch(() => undefined);
      throw error;
    }
    await this.syncDirectory();
  }

  /** Whether a write could succeed now: the directory exists and is writable. */
  async assertWritable(): Promise<void> {
    await access(dirname(this.path), constants.W_OK);
  }

  /** Makes the rename itself durable; without it a power cut can bring the old file back. */
  private async syncDirectory(): Promise<void> {
    const directory = await open(dirname(this.path), 'r');
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
  }

  /** Temp files left by a process killed mid-write hold nothing that was acknowledged. */
  private async removeStaleTempFiles(): Promise<void> {
    const prefix = `${basename(this.path)}.tmp-`;
    const names = await readdir(dirname(this.path)).catch(() => [] as string[]);
    await Promise.all(
      names
        .filter((name) => name.startsWith(prefix))
        .map((name) => unlink(join(dirname(this.path), name)).catch(() => undefined)),
    );
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === 'ENOENT';
}
