import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import Redis from 'ioredis';
import { redisConfig } from '../config/redis.config';
import { type ChannelHandlers, RedisChannelListener } from './redis-channel.listener';
import { redisClientOptions } from './redis-client.options';

/** Readiness must answer quickly even when Redis hangs. */
const HEALTH_TIMEOUT_MS = 1000;
/** A QUIT that Redis does not answer by then (it is down) is not waited for at shutdown. */
const QUIT_TIMEOUT_MS = 1000;
const MIN_VERSION: readonly number[] = [6, 2];

interface Clients {
  /** Every command: the lock's scripts, the rate limit. */
  commands: Redis;
  /** A connection in subscriber mode can run nothing else. */
  subscriber: Redis;
}

/**
 * The process's connections to Redis when REDIS_URL is set: one for commands
 * and one for pub/sub, both reconnecting on their own, closed on shutdown.
 * Without REDIS_URL it opens nothing and nothing may ask it for a connection.
 */
@Injectable()
export class RedisConnection implements OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  private readonly clients: Clients | undefined;
  /** What the server said it was on the last connect; checked by readiness. */
  private serverVersion: string | undefined;

  constructor(@Inject(redisConfig.KEY) config: ConfigType<typeof redisConfig>) {
    switch (config.mode) {
      case 'none':
        this.clients = undefined;
        break;
      case 'redis':
        this.clients = { commands: this.open(config.url, config.target, 'commands'), subscriber: this.open(config.url, config.target, 'subscriber') };
        this.clients.commands.on('ready', () => void this.readVersion());
        break;
      default: {
        const unknown: never = config;
        throw new Error(`Unknown Redis mode ${JSON.stringify(unknown)}`);
      }
    }
  }

  get commands(): Redis {
    return this.required().commands;
  }

  /** Delivers `channel`'s messages, subscribing again after every reconnect. */
  listen(channel: string, handlers: ChannelHandlers): RedisChannelListener {
    return new RedisChannelListener(this.required().subscriber, channel, handlers);
  }

  /** Resolves when Redis answers PING in time, is recent enough and pub/sub is connected; else throws a message safe to show. */
  async check(): Promise<void> {
    const { commands, subscriber } = this.required();
    const outcome = await within(commands.ping(), HEALTH_TIMEOUT_MS);
    if (outcome === 'failed') throw new Error('Redis cannot be reached');
    if (outcome === 'late') throw new Error(`Redis did not answer PING within ${HEALTH_TIMEOUT_MS} ms`);
    if (this.serverVersion !== undefined && !atLeast(this.serverVersion, MIN_VERSION)) {
      throw new Error(`Redis ${this.serverVersion} is older than the ${MIN_VERSION.join('.')} this service needs`);
    }
    if (subscriber.status !== 'ready') throw new Error('the Redis pub/sub connection is down');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  async close(): Promise<void> {
    if (this.clients === undefined) return;
    await Promise.all(Object.values(this.clients).map((client: Redis) => quit(client)));
  }

  private required(): Clients {
    if (this.clients === undefined) throw new Error('REDIS_URL is not set: nothing may use Redis');
    return this.clients;
  }

  private open(url: string, target: string, role: keyof Clients): Redis {
    const client = new Redis(url, redisClientOptions(role));
    failFastWhileDown(client);
    // One line when the connection is lost and one when it is back, not one per reconnect attempt.
    let down = false;
    client.on('error', (error: Error) => {
      if (down) return;
      down = true;
      this.logger.warn(`${role} connection to ${target} failed (${error.message}); reconnecting until it is back`);
    });
    client.on('ready', () => {
      if (!down) return;
      down = false;
      this.logger.log(`${role} connection to ${target} is back`);
    });
    return client;
  }

  private async readVersion(): Promise<void> {
    try {
      const info = await this.required().commands.info('server');
      this.serverVersion = /^redis_version:(\S+)/m.exec(info)?.[1];
      if (this.serverVersion !== undefined && !atLeast(this.serverVersion, MIN_VERSION)) {
        this.logger.error(`Redis ${this.serverVersion} is older than ${MIN_VERSION.join('.')}; readiness reports an error until it is upgraded`);
      }
    } catch {
      // Readiness finds out on its own; the next connect reads it again.
    }
  }
}

/**
 * Queues commands through the first reconnect attempt only. Once that has
 * failed too, Redis is down rather than blinking: new commands fail at once
 * (a 503 now beats a 503 in two seconds) until the connection is ready again.
 * The commands queued meanwhile are failed by `maxRetriesPerRequest: 1` at
 * that same second attempt.
 */
function failFastWhileDown(client: Redis): void {
  let attempts = 0;
  client.on('reconnecting', () => {
    attempts += 1;
    if (attempts >= 2) client.options.enableOfflineQueue = false;
  });
  client.on('ready', () => {
    attempts = 0;
    client.options.enableOfflineQueue = true;
  });
}

/** Whether `promise` fulfilled, failed, or had not settled after `ms`. */
async function within(promise: Promise<unknown>, ms: number): Promise<'ok' | 'failed' | 'late'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
  try {
    return await Promise.race([promise.then(() => 'ok' as const, () => 'failed' as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

function atLeast(version: string, minimum: readonly number[]): boolean {
  const parts = version.split('.').map(Number);
  for (const [i, wanted] of minimum.entries()) {
    const part = parts[i] ?? 0;
    if (part !== wanted) return part > wanted;
  }
  return true;
}

async function quit(client: Redis): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([client.quit(), new Promise((resolve) => (timer = setTimeout(resolve, QUIT_TIMEOUT_MS)))]);
  } catch {
    // Redis is down: there is nothing to say goodbye to.
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}
