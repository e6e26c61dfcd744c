// npm run bench:profile: where the service's CPU goes under load. Runs the service with
// --cpu-prof at 64 connections against the fake upstream (latency 0), prints CPU time per
// request for the service and for the floor (from /proc), and the profile's self time
// by package and by function. PROFILE_CONNECTIONS and PROFILE_SECONDS change the load.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { summarizeProfile } from './lib/cpu-profile';
import { drive, warmUp } from './lib/load';
import { type Running, startFake, startFloor, startService } from './lib/processes';

const connections = Number(process.env.PROFILE_CONNECTIONS ?? 64);
const seconds = Number(process.env.PROFILE_SECONDS ?? 6);

/** CPU time (user + system, all threads) a process has used, in ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

async function cpuPerRequest(target: Running, prefix: string): Promise<{ rps: number; cpuMs: number }> {
  await warmUp(target.address, prefix);
  const before = cpuMs(target.child.pid ?? 0);
  const result = await drive(target.address, connections, seconds, 'returning', prefix);
  return { rps: result.rps, cpuMs: (cpuMs(target.child.pid ?? 0) - before) / result.requests };
}

async function main(): Promise<void> {
  const fake = await startFake(0);
  // JSON log lines as in production: the pretty format is for a terminal, not what a deployment pays for.
  const service = await startService(fake.address, { LOG_FORMAT: 'json' }, ['--cpu-prof']);
  const floor = await startFloor(fake.address, 'memory');
  const durable = await startFloor(fake.address, 'durable');
  try {
    const floorCost = await cpuPerRequest(floor, 'floor');
    const durableCost = await cpuPerRequest(durable, 'durable');
    const serviceCost = await cpuPerRequest(service, 'service');
    const line = (name: string, cost: { rps: number; cpuMs: number }): string =>
      `${name}: ${cost.rps.toFixed(0)} req/s, ${cost.cpuMs.toFixed(3)} ms CPU per request`;
    process.stdout.write(`${line('floor', floorCost)}\n${line('durable floor', durableCost)}\n${line('service (profiling)', serviceCost)}\n`);
  } finally {
    await Promise.all([floor.stop(), durable.stop()]);
    // The profile is written when the service exits; stop() would remove its directory.
    service.child.kill('SIGTERM');
    await new Promise((resolve) => service.child.once('exit', resolve));
    const file = readdirSync(service.dir).find((name) => name.endsWith('.cpuprofile'));
    if (file !== undefined) {
      const summary = summarizeProfile(join(service.dir, file));
      const rows = (pairs: Array<[string, number]>): string => pairs.map(([name, share]) => `  ${(share * 100).toFixed(1).padStart(5)} %  ${name}`).join('\n');
      process.stdout.write(`\nbusy ${summary.busyMs.toFixed(0)} ms; self time by package:\n${rows(summary.byPackage)}\n\nby function:\n${rows(summary.byFunction)}\n`);
    }
    await service.stop();
    await fake.stop();
  }
}

void main();
