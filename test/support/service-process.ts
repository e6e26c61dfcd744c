import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const MAIN = join(__dirname, '..', '..', 'dist', 'main.js');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The built service (`node dist/main.js`) as a child process, in a working directory of the test's choosing. */
export class ServiceProcess {
  private output = '';
  readonly exited: Promise<Exit>;

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Starts the service and waits until it listens (resolves) or exits (rejects with its output). */
  static async start(env: Record<string, string>, cwd: string, timeoutMs = 15000): Promise<ServiceProcess & { url: string }> {
    const service = ServiceProcess.spawn(env, cwd);
    const port = await service.waitFor(/listening on port (\d+)/, timeoutMs);
    return Object.assign(service, { url: `http://127.0.0.1:${port}` });
  }

  /** Starts the service without waiting for anything; for start-up failures. `uid`: run as that user (needs root). */
  static spawn(env: Record<string, string>, cwd: string, uid?: number): ServiceProcess {
    const child = spawn(process.execPath, [MAIN], {
      cwd,
      ...(uid === undefined ? {} : { uid, gid: uid }),
      env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new ServiceProcess(child);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Everything the process printed so far, stdout and stderr. */
  get logs(): string {
    return this.output;
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Waits for a line matching `pattern` and returns its first group. */
  async waitFor(pattern: RegExp, timeoutMs = 15000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => (exited = true));
    for (;;) {
      const match = pattern.exec(this.output);
      if (match) return match[1] ?? match[0];
      if (exited || Date.now() > deadline) {
        throw new Error(`service ${exited ? 'exited' : 'timed out'} before ${pattern}:\n${this.output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** SIGKILL if still running; for cleanup. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}
