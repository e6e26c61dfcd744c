import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import request from 'supertest';
import { parseSse } from './support/sse';
import { startTestApp, type TestApp } from './support/test-app';

const CRM = 'crm-0f5e8e1f2b8c4a7d9e3b6c1a0d4f7e2b5c8a1d3e6f9b2c5a';
const WEB = 'web-9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e';
const sha256 = (key: string) => createHash('sha256').update(key).digest('hex');
const API_KEYS = `crm:${sha256(CRM)},web:${sha256(WEB)}`;

/** Stream a turn with a key; the events as the client reads them. */
async function stream(app: TestApp, key: string, body: object) {
  const response = await fetch(`${app.url}/api/chat/stream`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-API-Key': key },
    body: JSON.stringify(body),
  });
  return { status: response.status, events: parseSse(await response.text()) };
}

describe('AUTH_MODE=api-key', () => {
  let app: TestApp;

  afterEach(async () => {
    await app.close();
  });

  describe('isolation', () => {
    beforeEach(async () => {
      app = await startTestApp({ ASSISTANT_API: 'local', AUTH_MODE: 'api-key', API_KEYS });
    });

    const as = (key: string) => ({
      chat: (body: object) => request(app.url).post('/api/chat').set('Authorization', `Bearer ${key}`).send(body),
      history: (userId?: string) => request(app.url).get('/api/chat/history').set('X-API-Key', key).query(userId === undefined ? {} : { user_id: userId }),
      reset: (userId: string) => request(app.url).delete('/api/chat/thread').set('X-API-Key', key).query({ user_id: userId }),
      erase: (userId: string) => request(app.url).delete('/api/chat/history').set('X-API-Key', key).query({ user_id: userId }),
    });
    const crm = as(CRM);
    const web = as(WEB);
    const said = (response: request.Response) => (response.body.messages as Array<{ user: string }>).map((m) => m.user);

    it('refuses every chat route without a key, and serves health and docs to anyone', async () => {
      for (const [method, path] of [
        ['post', '/api/chat'],
        ['post', '/api/chat/stream'],
        ['get', '/api/chat/history?user_id=a'],
        ['delete', '/api/chat/history?user_id=a'],
        ['delete', '/api/chat/thread?user_id=a'],
      ] as const) {
        const call = request(app.url)[method](path);
        const response = await (method === 'post' ? call.send({ user_id: 'a', message: 'hi' }) : call).expect(401);
        expect(response.headers['www-authenticate']).toBe('Bearer');
        expect(response.body.code).toBe('UNAUTHENTICATED');
      }
      await request(app.url).get('/api/health').expect(200);
      await request(app.url).get('/api/health/live').expect(200);
      await request(app.url).get('/api/docs-json').expect(200);
      await request(app.url).get('/api/docs').expect(200);
    });

    it('keeps the same user_id under two keys apart: conversations, history, reset and erase', async () => {
      const crmFirst = await crm.chat({ user_id: 'alice', message: 'crm one' }).expect(200);
      const webFirst = await web.chat({ user_id: 'alice', message: 'web one' }).expect(200);
      expect(crmFirst.body).toMatchObject({ user_id: 'alice', answer: expect.stringContaining('Turn 1') });
      expect(webFirst.body).toMatchObject({ user_id: 'alice', answer: expect.stringContaining('Turn 1') });
      expect(webFirst.body.thread_id).not.toBe(crmFirst.body.thread_id);
      const streamed = await stream(app, CRM, { user_id: 'alice', message: 'crm two' });
      expect(streamed.events.at(-1)).toMatchObject({ event: 'done', data: { user_id: 'alice', thread_id: crmFirst.body.thread_id } });

      expect(said(await crm.history('alice').expect(200))).toEqual(['crm one', 'crm two']);
      expect(said(await web.history('alice').expect(200))).toEqual(['web one']);

      // The log and the thread registry keep the key's namespace apart from the id.
      const log = JSON.parse(await readFile(app.logPath, 'utf8')) as Record<string, unknown[]>;
      expect(Object.keys(log).sort()).toEqual(['key:crm/alice', 'key:web/alice']);
      const threads = JSON.parse(await readFile(app.threadStorePath, 'utf8')) as { users: Record<string, unknown> };
      expect(Object.keys(threads.users).sort()).toEqual(['key:crm/alice', 'key:web/alice']);

      await web.reset('alice').expect(204);
      expect((await crm.chat({ user_id: 'alice', message: 'crm three' }).expect(200)).body.answer).toContain('Turn 3');
      expect((await web.chat({ user_id: 'alice', message: 'web two' }).expect(200)).body.answer).toContain('Turn 1');

      await crm.erase('alice').expect(204);
      expect(said(await crm.history('alice').expect(200))).toEqual([]);
      expect(said(await web.history('alice').expect(200))).toEqual(['web one', 'web two']);
    });

    it('makes an anon- user without user_id, and needs user_id to read, reset or erase', async () => {
      const { body } = await crm.chat({ message: 'who am I' }).expect(200);
      expect(body.user_id).toMatch(/^anon-[0-9a-f-]{36}$/);
      expect(said(await crm.history(body.user_id).expect(200))).toEqual(['who am I']);
      expect(said(await web.history(body.user_id).expect(200))).toEqual([]);
      expect((await crm.history().expect(400)).body.code).toBe('VALIDATION_FAILED');
      await request(app.url).delete('/api/chat/thread').set('X-API-Key', CRM).expect(400);
      await request(app.url).delete('/api/chat/history').set('X-API-Key', CRM).expect(400);
    });

    it('refuses a wrong key, a key twice with different values, and a hash in place of the key', async () => {
      for (const headers of [{ 'X-API-Key': `${CRM}0` }, { Authorization: `Bearer ${CRM}`, 'X-API-Key': WEB }, { 'X-API-Key': sha256(CRM) }]) {
        const response = await request(app.url).post('/api/chat').set(headers).send({ user_id: 'a', message: 'hi' }).expect(401);
        expect(response.headers['www-authenticate']).toMatch(/^Bearer error="invalid_(token|request)", error_description="[^"]+"$/);
      }
    });
  });

  describe('rate limit', () => {
    it('counts per key and user_id, so many users behind one back end (one IP) each get their budget', async () => {
      app = await startTestApp({ ASSISTANT_API: 'local', AUTH_MODE: 'api-key', API_KEYS, THROTTLE_LIMIT: '2' });
      const chat = (key: string, userId: string) => request(app.url).post('/api/chat').set('X-API-Key', key).send({ user_id: userId, message: 'hi' });
      await chat(CRM, 'alice').expect(200);
      await request(app.url).get('/api/chat/history').set('X-API-Key', CRM).query({ user_id: 'alice' }).expect(200);
      const limited = await chat(CRM, 'alice').expect(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      await chat(CRM, 'bob').expect(200);
      await chat(WEB, 'alice').expect(200);
      await chat(WEB, 'alice').expect(200);
      await chat(WEB, 'alice').expect(429);
    });

    it('counts refused requests per IP, so guessing keys is throttled, and then refuses the right key too until the window ends', async () => {
      app = await startTestApp({ ASSISTANT_API: 'local', AUTH_MODE: 'api-key', API_KEYS, THROTTLE_LIMIT: '3', THROTTLE_TTL_MS: '1500' });
      const chat = (key: string) => request(app.url).post('/api/chat').set('X-API-Key', key).send({ user_id: 'g', message: 'hi' });
      // Requests that authenticate spend nothing of the IP's budget for refusals.
      for (let i = 0; i < 3; i++) await request(app.url).get('/api/chat/history').set('X-API-Key', CRM).query({ user_id: `u${i}` }).expect(200);
      for (let i = 0; i < 3; i++) await chat(`guess-${i}`).expect(401);
      const blocked = await chat(CRM).expect(429);
      expect(blocked.body.code).toBe('RATE_LIMITED');
      const retryAfter = Number(blocked.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(2);
      await chat('guess-4').expect(429);
      await request(app.url).get('/api/health').expect(200);
      await new Promise((resolve) => setTimeout(resolve, 1600));
      await chat(CRM).expect(200);
    });
  });
});
