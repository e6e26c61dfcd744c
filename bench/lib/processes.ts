import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';

const ROOT = join(__dirname, '..', '..');
const TS_NODE = ['-r', require.resolve('ts-node/register/transpile-only')];

/** A child process that printed a readiness line; `address` is what the line carried. */
export interface Running {
  child: ChildProcess;
  address: string;
  dir: string;
  stop(): Promise<void>;
  rssMb(): number;
}

/** Starts a process; it is ready when its output matches `ready`, or (no pattern) when its /api/health answers. */
async function launch(args: string[], env: Record<string, string>, ready: RegExp | undefined, toAddress: (match: string) => string): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), 'chat-bench-'));
  // BENCH_NODE runs every measured process (service, floors, fake) on another Node binary; the load stays on this one.
  const child = spawn(process.env.BENCH_NODE ?? process.execPath, args, {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const address = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = ready?.exec(output);
      if (match) resolve(toAddress(match[1]));
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}:\n${output}`)));
    if (ready === undefined) void pollHealth(toAddress(''), resolve, reject);
  });
  child.stdout?.resume();
  child.stderr?.resume();
  return {
    child,
    address,
    dir,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
      rmSync(dir, { recursive: true, force: true });
    },
    rssMb: () => rssOf(child.pid ?? 0),
  };
}

/** Resident set size of a process in MiB, from /proc. */
export function rssOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) / 1024;
}

/** Per-call delays of the fake upstream, for the capacity scenario: a slow conversation, a slow first token, a streamed answer. */
export interface FakeDelays {
  conversationMs?: number;
  responseMs?: number;
  /** How long a streamed answer takes from its first delta to its last. */
  streamMs?: number;
}

export function startFake(latencyMs: number, runDurationMs = 0, delays: FakeDelays = {}): Promise<Running> {
  return launch(
    [...TS_NODE, join(ROOT, 'bench', 'fake-upstream.ts')],
    {
      LATENCY_MS: String(latencyMs),
      RUN_DURATION_MS: String(runDurationMs),
      CONVERSATION_DELAY_MS: String(delays.conversationMs ?? 0),
      RESPONSE_DELAY_MS: String(delays.responseMs ?? 0),
      STREAM_MS: String(delays.streamMs ?? 0),
    },
    /READY (\S+)/,
    (url) => url,
  );
}

/** The built service (`dist/main.js`), rate limit lifted; ready once /api/health answers (whatever LOG_LEVEL says). */
export async function startService(baseURL: string, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<Running> {
  const port = await freePort();
  return launch(
    [...nodeArgs, process.env.BENCH_SERVICE_MAIN ?? join(ROOT, 'dist', 'main.js')],
    {
      PORT: String(port),
      OPENAI_API_KEY: 'sk-bench',
      OPENAI_BASE_URL: baseURL,
      OPENAI_MAX_RETRIES: '0',
      THROTTLE_LIMIT: '100000000',
      // Default LOG_LEVEL (info): the one access-log line per request is part of the service's real cost.
      ...env,
    },
    undefined,
    () => `http://127.0.0.1:${port}`,
  );
}

async function pollHealth(url: string, resolve: (url: string) => void, reject: (error: Error) => void): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    if (await healthy(url)) return resolve(url);
    await new Promise((wait) => setTimeout(wait, 50));
  }
  reject(new Error(`${url} did not become healthy`));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function healthy(url: string): Promise<boolean> {
  return fetch(`${url}/api/health`).then(
    (response) => response.ok,
    () => false,
  );
}

export type FloorKind = 'memory' | 'durable';

/**
 * A floor, compiled to plain JavaScript first so that it carries no TypeScript compiler in its memory:
 * `memory` does only the upstream calls; `durable` also appends each exchange with fdatasync.
 */
export function startFloor(baseURL: string, kind: FloorKind = 'memory'): Promise<Running> {
  const source = readFileSync(join(ROOT, 'bench', kind === 'memory' ? 'floor-server.ts' : 'floor-durable-server.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } });
  const script = join(mkdtempSync(join(tmpdir(), 'chat-bench-floor-')), 'floor-server.js');
  writeFileSync(script, outputText);
  return launch(
    [script],
    { PORT: '0', OPENAI_BASE_URL: baseURL, NODE_PATH: join(ROOT, 'node_modules') },
    /listening on port (\d+)/,
    (port) => `http://127.0.0.1:${port}`,
  );
}
