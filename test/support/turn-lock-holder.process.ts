import 'reflect-metadata';
import { RedisConnection } from '../../src/redis/redis.connection';
import { RedisTurnLock } from '../../src/turns/adapters/redis-turn.lock';

// A replica in miniature, run as a child process so that a test can kill -9 it:
// `node -r ts-node/register/transpile-only turn-lock-holder.process.ts URL TTL_MS USER_ID`
// asks for USER_ID's turn, prints "held" once it has it, and never lets go.
const [url, ttl, userId] = process.argv.slice(2);
const ttlMs = Number(ttl);
const lock = new RedisTurnLock(new RedisConnection({ mode: 'redis', url, target: 'test', turnLockTtlMs: ttlMs }), ttlMs);
process.stdout.write('started\n');
lock.acquire({ namespace: '', userId }).then(
  () => process.stdout.write('held\n'),
  (error: unknown) => {
    process.stderr.write(`acquire failed: ${String(error)}\n`);
    process.exit(1);
  },
);
setInterval(() => undefined, 60_000);
