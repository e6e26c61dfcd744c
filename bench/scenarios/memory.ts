import { postChats } from '../lib/load';
import { type Running, startFake, startFloor, startService } from '../lib/processes';

export interface MemoryRow {
  idleMb: number;
  afterUsersMb: number;
}

export interface Memory {
  users: number;
  service: MemoryRow;
  /** The same service with V8's old space capped (`--max-old-space-size`), as a container with a memory limit would run it. */
  serviceCapped: MemoryRow & { capMb: number };
  floor: MemoryRow;
}

const CAP_MB = 96;

/** RSS at idle, and after `users` distinct users have each sent one message (64 at a time). */
export async function measureMemory(users: number): Promise<Memory> {
  const fake = await startFake(0);
  try {
    const service = await startService(fake.address);
    const capped = await startService(fake.address, { NODE_OPTIONS: `--max-old-space-size=${CAP_MB}` });
    const floor = await startFloor(fake.address);
    try {
      return {
        users,
        service: await footprint(service, users),
        serviceCapped: { ...(await footprint(capped, users)), capMb: CAP_MB },
        floor: await footprint(floor, users),
      };
    } finally {
      await Promise.all([service.stop(), capped.stop(), floor.stop()]);
    }
  } finally {
    await fake.stop();
  }
}

async function footprint(target: Running, users: number): Promise<MemoryRow> {
  await settle();
  const idleMb = target.rssMb();
  await postChats(target.address, users, 64, (n) => ({ user_id: `memory-user-${n}`, message: `hello from user ${n}` }));
  await settle();
  return { idleMb, afterUsersMb: target.rssMb() };
}

function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 1000));
}
