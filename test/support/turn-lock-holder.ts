import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const SCRIPT = join(__dirname, 'turn-lock-holder.process.ts');

/** Another replica's lock in a child process, asking for one user's turn and never releasing it; for kill -9. */
export class TurnLockHolder {
  private output = '';
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  static start(url: string, ttlMs: number, userId: string): TurnLockHolder {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', SCRIPT, url, String(ttlMs), userId], {
      env: { PATH: process.env.PATH ?? '', TS_NODE_PROJECT: join(__dirname, '..', '..', 'tsconfig.json') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new TurnLockHolder(child);
  }

  get holds(): boolean {
    return this.output.includes('held\n');
  }

  /** Waits until the child printed `word` on a line; fails with its output if it exits or `timeoutMs` passes. */
  async waitFor(word: 'started' | 'held', timeoutMs = 15000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.output.includes(`${word}\n`)) {
      if (this.child.exitCode !== null || Date.now() > deadline) throw new Error(`turn lock holder never said "${word}":\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** kill -9: no release, no goodbye; its lease and its place in line are left for Redis to expire. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}
