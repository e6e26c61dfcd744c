import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import Redis from 'ioredis';
import { Client } from 'pg';
import { launchChromium } from './support/servers/chromium.launcher';
import { HaproxyServer } from './support/servers/haproxy.server';
import { RedisServer } from './support/servers/redis.server';
import { createTestDatabase } from './support/servers/test-database.factory';

// The test infrastructure itself: each real server starts, answers, and stops.

async function listen(handler: Parameters<typeof createServer>[1]): Promise<Server & { port: number }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(server, { port: (server.address() as AddressInfo).port });
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

describe('Redis', () => {
  let redis: RedisServer;
  let client: Redis;

  beforeAll(async () => {
    redis = await RedisServer.start();
    client = new Redis(redis.url, { maxRetriesPerRequest: 3 });
    client.on('error', () => undefined); // the restart drops the connection on purpose
  });
  afterAll(async () => {
    client?.disconnect();
    await redis?.stop();
  });

  it('answers PING, and GET returns what SET stored', async () => {
    expect(await client.ping()).toBe('PONG');
    await client.set('greeting', 'hello');
    expect(await client.get('greeting')).toBe('hello');
  });

  it('restarts on the same port, empty, and the same client reconnects', async () => {
    await client.set('before-restart', '1');
    const port = redis.port;
    await redis.restart();
    expect(redis.port).toBe(port);
    expect(await client.get('before-restart')).toBeNull();
    await client.set('after-restart', '2');
    expect(await client.get('after-restart')).toBe('2');
  });
});

describe('HAProxy', () => {
  let backends: (Server & { port: number })[];
  let haproxy: HaproxyServer;

  beforeAll(async () => {
    backends = await Promise.all(
      ['a', 'b'].map((name) => listen((req, res) => res.end(req.url === '/health' ? 'ok' : name))),
    );
    haproxy = await HaproxyServer.start({ backends: backends.map((b) => ({ host: '127.0.0.1', port: b.port })), healthPath: '/health' });
  });
  afterAll(async () => {
    await haproxy?.stop();
    await Promise.all((backends ?? []).filter((b) => b.listening).map(close));
  });

  async function served(requests: number): Promise<string[]> {
    const names: string[] = [];
    for (let i = 0; i < requests; i++) {
      const res = await fetch(haproxy.url);
      expect(res.status).toBe(200);
      names.push(await res.text());
    }
    return names.sort();
  }

  it('spreads requests over both backends', async () => {
    expect(await served(6)).toEqual(['a', 'a', 'a', 'b', 'b', 'b']);
  });

  it('sends every request to the live backend once the other is killed', async () => {
    await close(backends[0]);
    expect(await served(6)).toEqual(['b', 'b', 'b', 'b', 'b', 'b']);
    expect(await haproxy.adminCommand('show servers state app')).toMatch(/app0/);
  });
});

describe('PostgreSQL', () => {
  it('gives each caller its own database', async () => {
    const [first, second] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    try {
      expect(first.name).not.toBe(second.name);
      for (const db of [first, second]) {
        const client = new Client({ connectionString: db.url });
        await client.connect();
        const { rows } = await client.query<{ one: number; db: string }>('select 1 as one, current_database() as db');
        await client.end();
        expect(rows).toEqual([{ one: 1, db: db.name }]);
      }
    } finally {
      await Promise.all([first.drop(), second.drop()]);
    }
  });
});

describe('Chromium', () => {
  it('loads a local page and reads its text', async () => {
    const page = await listen((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end('<!doctype html><title>t</title><p id="msg">served by node:http</p>');
    });
    try {
      const browser = await launchChromium();
      try {
        const tab = await browser.newPage();
        await tab.goto(`http://127.0.0.1:${page.port}/`);
        expect(await tab.textContent('#msg')).toBe('served by node:http');
      } finally {
        await browser.close();
      }
    } finally {
      await close(page);
    }
  });
});
