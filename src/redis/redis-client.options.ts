import type { RedisOptions } from 'ioredis';

/** A TCP connect that has not completed by then counts as a failed attempt. */
export const CONNECT_TIMEOUT_MS = 2000;
/**
 * No command waits longer, whether Redis is slow, unreachable or silently
 * gone (a dropped network path never closes the socket). This is the bound on
 * how long a request can wait for Redis before it is answered 503.
 */
export const COMMAND_TIMEOUT_MS = 2000;
const RECONNECT_MIN_MS = 50;
const RECONNECT_MAX_MS = 2000;

/**
 * The settings of every connection this service opens to Redis.
 *
 * - `enableOfflineQueue: true`: a command issued while the connection is being
 *   re-established (a Redis restart, a failover, a reset TCP connection) waits
 *   for it instead of failing at once, so a blip costs latency, not 503s. It
 *   cannot queue forever: `maxRetriesPerRequest: 1` fails the queued commands
 *   when the second reconnect attempt fails too (the default, 20, would hold
 *   each request for many seconds), RedisConnection then stops queueing until
 *   Redis is back (new commands fail at once), and `commandTimeout` bounds
 *   every command anyway.
 * - `autoResendUnfulfilledCommands: false`: a lock script written to a socket
 *   that died may or may not have run; replaying it on the next connection
 *   (perhaps to a restarted, empty server) could grant a lease nobody waits
 *   for. Its caller gets an error instead and cleans up.
 * - `retryStrategy`: reconnects forever with jittered exponential backoff
 *   capped at 2 s, so the service recovers by itself when Redis returns.
 * - `reconnectOnError`: after a failover the old primary answers READONLY;
 *   reconnecting reaches the new one (the command did not run, so it is resent).
 */
export function redisClientOptions(role: string): RedisOptions {
  return {
    connectionName: `chat-backend:${role}`,
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    enableOfflineQueue: true,
    maxRetriesPerRequest: 1,
    autoResendUnfulfilledCommands: false,
    // Subscriptions are renewed by RedisChannelListener, which also wakes waiters that may have missed a message.
    autoResubscribe: false,
    retryStrategy: (attempt) => {
      const ceiling = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** Math.min(attempt, 10));
      // Jitter, so that replicas do not reconnect in lockstep after an outage.
      return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
    },
    reconnectOnError: (error) => (error.message.startsWith('READONLY') ? 2 : false),
  };
}
