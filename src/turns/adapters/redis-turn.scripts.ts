import type Redis from 'ioredis';
import { LuaScript } from '../../redis/lua-script';
import { TURN_WAKE_CHANNEL, type TurnKeys } from './redis-turn.keys';

// Each script is atomic in Redis: the line, the lease and the wake-up message
// move together. Times are Redis's own (TIME, PX, PTTL), so the replicas'
// clocks never meet.

/** Takes a place in line (or keeps it alive), and the lease if it is free and this token is first. */
const ACQUIRE = new LuaScript(`
local lease, line, alive = KEYS[1], KEYS[2], KEYS[3]
local token, leaseTtl, waiterTtl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local dead = redis.call('ZRANGEBYSCORE', alive, '-inf', now)
for _, member in ipairs(dead) do
  redis.call('ZREM', line, member)
  redis.call('ZREM', alive, member)
end
local holder = redis.call('GET', lease)
if holder == token then
  return {1, 0}
end
if not redis.call('ZSCORE', line, token) then
  local last = redis.call('ZRANGE', line, -1, -1, 'WITHSCORES')
  local ticket = 1
  if last[2] then ticket = tonumber(last[2]) + 1 end
  redis.call('ZADD', line, ticket, token)
end
local head, headDeadline
if not holder then
  head = redis.call('ZRANGE', line, 0, 0)[1]
  headDeadline = redis.call('ZSCORE', alive, head)
  while head ~= token and not headDeadline do
    redis.call('ZREM', line, head)
    head = redis.call('ZRANGE', line, 0, 0)[1]
    headDeadline = redis.call('ZSCORE', alive, head)
  end
  if head == token then
    redis.call('ZREM', line, token)
    redis.call('ZREM', alive, token)
    redis.call('SET', lease, token, 'PX', leaseTtl)
    return {1, 0}
  end
end
redis.call('ZADD', alive, now + waiterTtl, token)
redis.call('PEXPIRE', line, waiterTtl)
redis.call('PEXPIRE', alive, waiterTtl)
if holder then
  local ttl = redis.call('PTTL', lease)
  if ttl < 0 then ttl = leaseTtl end
  return {0, ttl}
end
if #dead > 0 then redis.call('PUBLISH', ARGV[4], ARGV[5]) end
return {0, math.max(0, tonumber(headDeadline) - now)}
`);

const RENEW = new LuaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`);

const RELEASE = new LuaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('PUBLISH', ARGV[2], ARGV[3]) end
return 1
`);

/** Leaves the line; gives the lease back if this token got it after all; wakes the line if it is free. */
const LEAVE = new LuaScript(`
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('DEL', KEYS[1])
  holder = false
end
if not holder and redis.call('EXISTS', KEYS[2]) == 1 then redis.call('PUBLISH', ARGV[2], ARGV[3]) end
return 1
`);

export interface AcquireReply {
  granted: boolean;
  /** When it is worth looking again without a wake-up: the lease's or the first waiter's remaining time. */
  retryInMs: number;
}

/** The lock's four operations on one user's keys, each one atomic script. */
export class TurnScripts {
  constructor(private readonly redis: Redis) {}

  async acquire(keys: TurnKeys, token: string, leaseTtlMs: number, waiterTtlMs: number): Promise<AcquireReply> {
    const args = [token, leaseTtlMs, waiterTtlMs, TURN_WAKE_CHANNEL, keys.id];
    const [granted, retryInMs] = (await ACQUIRE.run(this.redis, [keys.lease, keys.line, keys.alive], args)) as [number, number];
    return { granted: granted === 1, retryInMs };
  }

  /** False when the lease is no longer this token's. */
  async renew(keys: TurnKeys, token: string, leaseTtlMs: number): Promise<boolean> {
    return (await RENEW.run(this.redis, [keys.lease], [token, leaseTtlMs])) === 1;
  }

  async release(keys: TurnKeys, token: string): Promise<void> {
    await RELEASE.run(this.redis, [keys.lease, keys.line], [token, TURN_WAKE_CHANNEL, keys.id]);
  }

  async leave(keys: TurnKeys, token: string): Promise<void> {
    await LEAVE.run(this.redis, [keys.lease, keys.line, keys.alive], [token, TURN_WAKE_CHANNEL, keys.id]);
  }
}
