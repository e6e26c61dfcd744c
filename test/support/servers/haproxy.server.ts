import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HAPROXY, requireBinary } from './debian-package.installer';
import { ServerProcess } from './server.process';
import { acceptsConnections, onFreePort } from './tcp-port.probe';

const START_TIMEOUT_MS = 10_000;

export interface HaproxyBackend {
  host: string;
  port: number;
}

export interface HaproxyOptions {
  backends: HaproxyBackend[];
  /** Path of the active HTTP health check, e.g. `/health/ready`. */
  healthPath: string;
}

/** HAProxy in front of several backends on 127.0.0.1: round robin, fast health checks, retries that move on. */
export class HaproxyServer {
  private constructor(
    private readonly dir: string,
    readonly port: number,
    private readonly process: ServerProcess,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get logs(): string {
    return this.process.logs;
  }

  static async start(options: HaproxyOptions): Promise<HaproxyServer> {
    if (options.backends.length === 0) throw new Error('HaproxyServer: no backends');
    const binary = requireBinary(HAPROXY);
    const dir = await mkdtemp(join(tmpdir(), 'haproxy-test-'));
    try {
      return await onFreePort(async (port) => {
        const config = join(dir, 'haproxy.cfg');
        await writeFile(config, haproxyConfig(options, port, join(dir, 'admin.sock')));
        const server = ServerProcess.spawn('haproxy', binary, ['-f', config, '-db'], dir);
        await server.waitUntil(() => acceptsConnections(port), START_TIMEOUT_MS);
        return new HaproxyServer(dir, port, server);
      });
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** A command on the admin socket, e.g. `show servers state app`; returns HAProxy's answer. */
  adminCommand(command: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(join(this.dir, 'admin.sock'));
      let answer = '';
      socket.once('connect', () => socket.end(`${command}\n`));
      socket.on('data', (chunk) => (answer += chunk.toString()));
      socket.once('error', reject);
      socket.once('close', () => resolve(answer));
    });
  }

  async stop(): Promise<void> {
    await this.process.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

function haproxyConfig({ backends, healthPath }: HaproxyOptions, port: number, adminSocket: string): string {
  const servers = backends.map((b, i) => `  server app${i} ${b.host}:${b.port} check`);
  return [
    'global',
    '  maxconn 1024',
    `  stats socket ${adminSocket} mode 600 level admin`,
    'defaults',
    '  mode http',
    '  timeout connect 1s',
    '  timeout check 1s',
    '  timeout http-request 5s',
    // Long enough for a streamed answer between two chunks; tests stay under Jest's 20 s.
    '  timeout client 30s',
    '  timeout server 30s',
    // A refused connection is retried, each time on another server: a dead backend costs no request.
    '  retries 3',
    '  option redispatch 1',
    'frontend web',
    `  bind 127.0.0.1:${port}`,
    '  default_backend app',
    'backend app',
    '  balance roundrobin',
    `  option httpchk GET ${healthPath}`,
    '  default-server inter 500ms fall 2 rise 1',
    ...servers,
    '',
  ].join('\n');
}
