import { rm } from 'node:fs/promises';
import { HaproxyServer } from './servers/haproxy.server';
import { ServiceProcess } from './service-process';
import { makeTempDir } from './test-app';

type Replica = ServiceProcess & { url: string };

/**
 * N replicas of the built service (`node dist/main.js`), each in its own
 * working directory and on its own port, with the same environment (one
 * DATABASE_URL, one REDIS_URL), and HAProxy in front of them checking
 * `/api/health/live`.
 */
export class ReplicaSet {
  private constructor(
    readonly replicas: Replica[],
    readonly balancer: HaproxyServer,
    private readonly dirs: string[],
  ) {}

  static async start(count: number, env: Record<string, string>): Promise<ReplicaSet> {
    const dirs = await Promise.all(Array.from({ length: count }, () => makeTempDir()));
    const started = await Promise.allSettled(dirs.map((dir) => ServiceProcess.start(env, dir, 30_000)));
    const replicas = started.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    const failed = started.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failed !== undefined) {
      await Promise.all(replicas.map((replica) => replica.stop()));
      await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
      throw failed.reason;
    }
    const backends = replicas.map((replica) => ({ host: '127.0.0.1', port: Number(new URL(replica.url).port) }));
    let set: ReplicaSet | undefined;
    try {
      set = new ReplicaSet(replicas, await HaproxyServer.start({ backends, healthPath: '/api/health/live' }), dirs);
      await set.waitUntilBalanced(replicas.length);
      return set;
    } catch (error) {
      if (set !== undefined) await set.stop();
      else await Promise.all(replicas.map((replica) => replica.stop()));
      await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
      throw error;
    }
  }

  get url(): string {
    return this.balancer.url;
  }

  /** HTTP requests each replica has been sent by the balancer so far, by replica index. */
  async requestsPerReplica(): Promise<number[]> {
    const rows = (await this.balancer.adminCommand('show stat')).split('\n');
    const header = rows[0].replace(/^# /, '').split(',');
    const [name, server, total] = ['pxname', 'svname', 'req_tot'].map((column) => header.indexOf(column));
    const counts = this.replicas.map(() => 0);
    for (const row of rows.slice(1)) {
      const cells = row.split(',');
      const index = /^app(\d+)$/.exec(cells[server] ?? '')?.[1];
      if (cells[name] === 'app' && index !== undefined) counts[Number(index)] = Number(cells[total]);
    }
    return counts;
  }

  /** Waits until the balancer sees `up` of its servers as UP (its health checks have run). */
  async waitUntilBalanced(up: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // The admin socket may appear a moment after the frontend accepts connections.
      const state = await this.balancer.adminCommand('show servers state app').catch(() => '');
      // Column 6 of each server line is srv_op_state: 2 means running (UP).
      const running = state.split('\n').filter((line) => /^\d+ app \d+ app\d+ /.test(line) && line.split(' ')[5] === '2').length;
      if (running === up) return;
      if (Date.now() > deadline) throw new Error(`HAProxy has ${running} servers UP, not ${up}:\n${state}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async stop(): Promise<void> {
    await this.balancer.stop();
    await Promise.all(this.replicas.map((replica) => replica.stop()));
    await Promise.all(this.dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  }
}
