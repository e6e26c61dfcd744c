import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { StartupError } from '../common/errors/startup.error';
import { AtomicFile } from './atomic-file';
import { GroupCommit } from './group-commit';

/** How often a store looks for its file having vanished (a data directory removed and recreated under it). */
const PRESENCE_CHECK_MS = 5000;

/** A store's whole contents for one write, and what to note once that write is durable. */
export interface Snapshot {
  contents: string | readonly Buffer[];
  written?: () => void;
}

/**
 * The file of a JSON store: read once at start, then rewritten whole, atomically
 * and group-committed, on every change. It stays present: once written, a file
 * that disappears is written again as soon as its directory takes writes, so the
 * next restart does not find the store empty.
 */
export class StoreFile {
  private readonly file: AtomicFile;
  private readonly commits: GroupCommit;
  /** The file exists, or should: it was there at start or a write succeeded. */
  private expected = false;
  private presenceTimer: NodeJS.Timeout | undefined;

  /**
   * @param variable the setting that named `path`, for start-up messages
   * @param snapshot the whole new contents, taken for each write
   */
  constructor(
    readonly path: string,
    private readonly variable: string,
    snapshot: () => Snapshot,
  ) {
    this.file = new AtomicFile(path);
    this.commits = new GroupCommit(async () => {
      const { contents, written } = snapshot();
      await this.file.write(contents);
      this.expected = true;
      written?.();
    });
  }

  /**
   * Creates the directory if needed and reads the file (undefined when there is
   * none; a corrupt one is moved aside). Anything the operator must fix stops
   * start-up with one line naming the variable and the path.
   */
  async open<T>(isValid: (value: unknown) => value is T): Promise<T | undefined> {
    await mkdir(dirname(this.path), { recursive: true }).catch((error: unknown) => {
      throw new StartupError(`${this.variable}: cannot create the directory ${dirname(this.path)} (${codeOf(error)})`);
    });
    const contents = await this.file.readJson(isValid).catch((error: unknown) => {
      throw new StartupError(`${this.variable}: ${this.path} ${describeReadFailure(error)}`);
    });
    await this.file.assertWritable().catch((error: unknown) => {
      throw new StartupError(`${this.variable}: the directory of ${this.path} does not take writes (${codeOf(error)})`);
    });
    this.expected = contents !== undefined;
    this.presenceTimer = setInterval(() => void this.checkHealth().catch(() => undefined), PRESENCE_CHECK_MS).unref();
    return contents;
  }

  /** Resolves once a write that holds every change made so far is durable. */
  commit(): Promise<void> {
    return this.commits.request();
  }

  /** Settles once no write is running or waiting. */
  flush(): Promise<void> {
    return this.commits.drain();
  }

  /** Throws unless the file can be written now; rewrites a file that vanished. */
  async checkHealth(): Promise<void> {
    await this.file.assertWritable();
    if (this.expected && !(await isFile(this.path))) await this.commit();
  }

  async close(): Promise<void> {
    clearInterval(this.presenceTimer);
    await this.flush();
  }
}

function describeReadFailure(error: unknown): string {
  switch (codeOf(error)) {
    case 'EISDIR':
      return 'is a directory, not a file';
    case 'EACCES':
    case 'EPERM':
      return 'cannot be read: permission denied';
    default:
      return `cannot be read (${codeOf(error)})`;
  }
}

function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException)?.code ?? (error as Error)?.message ?? 'error';
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (stats) => stats.isFile(),
    () => false,
  );
}
