import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { RedisConnection } from '../../redis/redis.connection';
import { type RunClaim, type RunOwner, RunOwnership } from '../run-ownership.port';

/** The key that names a run's owner; the run id is the upstream's, unique across replicas. */
export function runOwnerKey(runId: string): string {
  return `chat:run:${runId}:owner`;
}

/**
 * Replicas: a key per run holding its owner's id, set when the run is
 * created, renewed every third of the TTL while the owner drives the run
 * (awaits its stream), deleted when the run is over for the owner. An owner
 * that dies stops renewing, so its runs count as nobody's within the TTL.
 */
export class RedisRunOwnership extends RunOwnership {
  /** Distinct per process (and per app in one test process). */
  readonly ownerId = randomUUID();
  private readonly logger = new Logger(RedisRunOwnership.name);
  private readonly live = new Set<string>();

  constructor(
    private readonly redis: RedisConnection,
    private readonly ttlMs: number,
  ) {
    super();
  }

  async claim(runId: string): Promise<RunClaim> {
    this.live.add(runId);
    const key = runOwnerKey(runId);
    const write = () => this.redis.commands.set(key, this.ownerId, 'PX', this.ttlMs);
    // Best effort: the run goes on without the key; a sibling that then finds it unowned may cancel it (as after a crash).
    await write().catch((error: unknown) => this.warn(`could not claim run ${runId}`, error));
    const timer = setInterval(() => void write().catch(() => undefined), this.ttlMs / 3);
    timer.unref();
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        clearInterval(timer);
        this.live.delete(runId);
        // Only the owner writes the key, and run ids are never reused: a plain DEL cannot hit someone else's claim.
        this.redis.commands.del(key).catch(() => undefined);
      },
    };
  }

  async ownerOf(runId: string): Promise<RunOwner> {
    if (this.live.has(runId)) return 'mine';
    const owner = await this.redis.commands.get(runOwnerKey(runId));
    if (owner === null) return 'nobody';
    return owner === this.ownerId ? 'mine' : 'sibling';
  }

  private warn(message: string, error: unknown): void {
    this.logger.warn(`${message}: ${(error as Error)?.message ?? 'error'}`);
  }
}
