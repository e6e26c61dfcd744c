import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REDIS_SERVER, requireBinary } from './debian-package.installer';
import { ServerProcess } from './server.process';
import { onFreePort } from './tcp-port.probe';

const START_TIMEOUT_MS = 10_000;

/** A throwaway redis-server on 127.0.0.1, without persistence, in its own temp directory. */
export class RedisServer {
  private constructor(
    private readonly binary: string,
    private readonly dir: string,
    readonly port: number,
    private process: ServerProcess,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get logs(): string {
    return this.process.logs;
  }

  static async start(): Promise<RedisServer> {
    const binary = requireBinary(REDIS_SERVER);
    const dir = await mkdtemp(join(tmpdir(), 'redis-test-'));
    try {
      return await onFreePort(async (port) => new RedisServer(binary, dir, port, await launch(binary, dir, port)));
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Stops it and starts it again on the same port, empty (nothing is persisted). */
  async restart(): Promise<void> {
    await this.process.stop();
    this.process = await launch(this.binary, this.dir, this.port);
  }

  /** SIGKILL: a crash, not a shutdown. The temp directory stays for a restart(). */
  async kill(): Promise<void> {
    await this.process.kill();
  }

  async stop(): Promise<void> {
    await this.process.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

async function launch(binary: string, dir: string, port: number): Promise<ServerProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'];
  const server = ServerProcess.spawn('redis-server', binary, args, dir);
  await server.waitUntil(() => answersPing(port), START_TIMEOUT_MS);
  return server;
}

// Raw RESP, so that polling during start-up does not print ioredis's reconnect noise.
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
}
