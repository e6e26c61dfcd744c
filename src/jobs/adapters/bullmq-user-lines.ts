import type Redis from 'ioredis';
import type { UserKey } from '../../auth/user-key';
import { LuaScript } from '../../redis/lua-script';
import { turnKeys } from '../../turns/adapters/redis-turn.keys';
import { BULLMQ_PREFIX } from './bullmq-connection';

/** Joins the end of the line: a ticket one past the last, atomically, so that submission order is the line's order. */
const JOIN = new LuaScript(`
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
local ticket = 1
if last[2] then ticket = tonumber(last[2]) + 1 end
redis.call('ZADD', KEYS[1], ticket, ARGV[1])
return ticket
`);

export interface LinePosition {
  /** The job first in line, undefined when the line is empty. */
  head: string | undefined;
  /** How many jobs are ahead of this one; undefined when it is not in line. */
  ahead: number | undefined;
}

/**
 * Each user's unfinished jobs in submission order (a sorted set per user in
 * Redis), so that a worker runs a user's job only once every job of that user
 * submitted before it has finished, whichever worker took which job and
 * whatever retries or crashes happened on the way.
 */
export class UserJobLines {
  constructor(private readonly redis: Redis) {}

  async join(user: UserKey, jobId: string): Promise<void> {
    await JOIN.run(this.redis, [lineKey(user)], [jobId]);
  }

  async leave(user: UserKey, jobId: string): Promise<void> {
    await this.redis.zrem(lineKey(user), jobId);
  }

  async position(user: UserKey, jobId: string): Promise<LinePosition> {
    const key = lineKey(user);
    const replies = (await this.redis.multi().zrange(key, 0, 0).zrank(key, jobId).exec()) ?? [];
    for (const [error] of replies) if (error) throw error;
    const [[, head], [, rank]] = replies as [[null, string[]], [null, number | null]];
    return { head: head[0], ahead: rank ?? undefined };
  }

  async head(user: UserKey): Promise<string | undefined> {
    return (await this.redis.zrange(lineKey(user), 0, 0))[0];
  }
}

function lineKey(user: UserKey): string {
  return `${BULLMQ_PREFIX}:jobs-line:{${turnKeys(user).id}}`;
}
