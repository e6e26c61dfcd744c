import { RedisServer } from '../../../test/support/servers/redis.server';
import { RedisTurnLocks } from '../../../test/support/redis-turn-lock.fixture';
import { turnLockSuite } from '../../../test/support/turn-lock.suite';

describe('RedisTurnLock on a real redis-server', () => {
  let server: RedisServer;

  beforeAll(async () => {
    server = await RedisServer.start();
  });
  afterAll(async () => {
    await server?.stop();
  });

  // The default TTL: nothing in the contract may depend on a lease expiring.
  turnLockSuite('RedisTurnLock', () => RedisTurnLocks.fixture(server.url, 30000));
});
