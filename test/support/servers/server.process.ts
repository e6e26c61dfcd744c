import { type ChildProcess, spawn } from 'node:child_process';
import { findBinary } from './debian-package.installer';

const OUTPUT_LIMIT = 64 * 1024;

/** A server binary as a child process: its output for error messages, readiness polling, stop and kill. */
export class ServerProcess {
  private output = '';
  private finished = false;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly name: string,
    private readonly child: ChildProcess,
  ) {
    const append = (chunk: Buffer | string) => (this.output = (this.output + chunk.toString()).slice(-OUTPUT_LIMIT));
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    this.exited = new Promise((resolve) => {
      // 'close', not 'exit': by then the last words on stdout/stderr (why it died) have arrived.
      child.once('close', (code, signal) => {
        append(`\n[${name} exited: ${signal ?? `code ${code}`}]`);
        this.finished = true;
        resolve();
      });
      // A spawn failure (ENOENT, EACCES) comes as 'error'; unhandled, it would crash the worker.
      child.once('error', (error) => {
        append(`\n[${name} failed: ${error.message}]`);
        this.finished = true;
        resolve();
      });
    });
  }

  /**
   * A server that a test forgets to stop must neither keep Jest from exiting nor outlive it:
   * the child and its pipes do not hold the event loop, and setpriv (util-linux) has the
   * kernel SIGKILL it when the spawning process dies; Jest's sandboxed `process` never sees
   * 'exit'. setpriv execs the server, so the pid is the server's.
   */
  static spawn(name: string, binary: string, args: string[], cwd: string): ServerProcess {
    const setpriv = findBinary('setpriv');
    const [command, argv] = setpriv ? [setpriv, ['--pdeathsig', 'SIGKILL', '--', binary, ...args]] : [binary, args];
    const child = spawn(command, argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    child.unref();
    for (const stream of [child.stdout, child.stderr]) (stream as { unref?: () => void } | null)?.unref?.();
    return new ServerProcess(name, child);
  }

  get running(): boolean {
    return !this.finished;
  }

  /** Everything the server printed (the last 64 KiB). */
  get logs(): string {
    return this.output;
  }

  /** Polls `ready` until it says yes; fails with the server's output if it exits or `timeoutMs` passes. */
  async waitUntil(ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) break;
      if ((await ready()) && this.running) return;
      if (Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const died = !this.running;
    await this.kill();
    throw new Error(`${this.name} ${died ? 'exited' : `was not ready after ${timeoutMs} ms`} before it was ready:\n${this.output}`);
  }

  /** SIGTERM, then SIGKILL if it is still running after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.running) return this.exited;
    this.child.ref();
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  async kill(): Promise<void> {
    if (!this.running) return this.exited;
    this.child.ref();
    this.child.kill('SIGKILL');
    await this.exited;
  }
}
