import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { JwksServer } from './support/jwks.server';
import { ServiceProcess } from './support/service-process';
import { makeTempDir } from './support/test-app';
import { claimsAt, SigningKey } from './support/token-signer';

/** API keys and tokens never appear in a log line (at debug), an error body, or a file the service writes. */
describe('credentials stay secret', () => {
  let dir: string;
  let service: (ServiceProcess & { url: string }) | undefined;
  let bodies: string[];

  const call = async (method: string, path: string, headers: Record<string, string>, body?: object): Promise<number> => {
    const response = await fetch(`${service!.url}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10000),
    });
    bodies.push(`${JSON.stringify([...response.headers])}\n${await response.text()}`);
    return response.status;
  };

  /** Nothing the service said or wrote holds any of `secrets`; the debug log was really on. */
  async function expectNowhere(secrets: string[]): Promise<void> {
    await service!.stop();
    expect(service!.logs).toContain('hello');
    for (const secret of secrets) {
      expect(service!.logs).not.toContain(secret);
      for (const body of bodies) expect(body).not.toContain(secret);
      for (const name of await readdir(dir)) expect(await readFile(join(dir, name), 'utf8')).not.toContain(secret);
    }
  }

  beforeEach(async () => {
    dir = await makeTempDir();
    bodies = [];
  });

  afterEach(async () => {
    await service?.stop();
    service = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('in api-key mode: the key through answers, refusals and bad requests', async () => {
    const key = `ak-canary-${randomBytes(16).toString('hex')}`;
    service = await ServiceProcess.start(
      { ASSISTANT_API: 'local', AUTH_MODE: 'api-key', API_KEYS: `crm:${createHash('sha256').update(key).digest('hex')}`, LOG_LEVEL: 'debug', THROTTLE_LIMIT: '1000' },
      dir,
    );
    const bearer = { Authorization: `Bearer ${key}` };
    expect(await call('POST', '/api/chat', bearer, { user_id: 'k', message: 'hello' })).toBe(200);
    expect(await call('POST', '/api/chat/stream', { 'X-API-Key': key }, { user_id: 'k', message: 'stream it' })).toBe(200);
    expect(await call('GET', '/api/chat/history?user_id=k', bearer)).toBe(200);
    expect(await call('DELETE', '/api/chat/thread?user_id=k', bearer)).toBe(204);
    expect(await call('POST', '/api/chat', bearer, { user_id: 'k', message: 'x'.repeat(9000) })).toBe(400);
    expect(await call('POST', '/api/chat', { Authorization: `Bearer ${key}x` }, { message: 'hi' })).toBe(401);
    expect(await call('POST', '/api/chat', { 'X-API-Key': `${key} ${key}` }, { message: 'hi' })).toBe(401);
    expect(await call('POST', '/api/chat', { ...bearer, 'X-API-Key': `${key}-other` }, { message: 'hi' })).toBe(401);
    expect(await call('GET', '/api/chat/history?user_id=k', { Authorization: `Bearer ${key} extra` })).toBe(401);
    expect(await call('DELETE', '/api/chat/history?user_id=k', bearer)).toBe(204);
    await expectNowhere([key]);
  });

  it('in jwt mode: the tokens through answers, 403s and 401s', async () => {
    const signing = await SigningKey.generate('ES256', 'k1');
    const jwks = await JwksServer.start([await signing.publicJwk()]);
    try {
      service = await ServiceProcess.start(
        {
          ASSISTANT_API: 'local',
          AUTH_MODE: 'jwt',
          JWT_JWKS_URL: jwks.url,
          JWT_ISSUER: 'https://idp.test/',
          JWT_AUDIENCE: 'chat-backend',
          LOG_LEVEL: 'debug',
          THROTTLE_LIMIT: '1000',
        },
        dir,
      );
      const now = Math.floor(Date.now() / 1000);
      const valid = await signing.sign(claimsAt(now, { sub: 'tok-user' }));
      const expired = await signing.sign(claimsAt(now, { sub: 'tok-user', exp: now - 600 }));
      const foreign = await (await SigningKey.generate('ES256', 'k1')).sign(claimsAt(now));
      const garbage = `canary-token-${randomBytes(16).toString('hex')}`;
      const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

      expect(await call('POST', '/api/chat', bearer(valid), { message: 'hello' })).toBe(200);
      expect(await call('POST', '/api/chat/stream', bearer(valid), { message: 'stream it' })).toBe(200);
      expect(await call('GET', '/api/chat/history', bearer(valid))).toBe(200);
      expect(await call('GET', '/api/chat/history?user_id=someone-else', bearer(valid))).toBe(403);
      expect(await call('POST', '/api/chat', bearer(valid), { user_id: 'someone-else', message: 'hi' })).toBe(403);
      expect(await call('POST', '/api/chat', bearer(expired), { message: 'hi' })).toBe(401);
      expect(await call('POST', '/api/chat', bearer(foreign), { message: 'hi' })).toBe(401);
      expect(await call('POST', '/api/chat', bearer(garbage), { message: 'hi' })).toBe(401);
      expect(await call('DELETE', '/api/chat/history', bearer(valid))).toBe(204);
      // A token's signature is what makes it a credential; its header and claims are not secret.
      const signatures = [valid, expired, foreign].map((token) => token.split('.')[2]);
      await expectNowhere([valid, expired, foreign, garbage, ...signatures]);
    } finally {
      await jwks.stop();
    }
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ['a raw key in API_KEYS', { AUTH_MODE: 'api-key', API_KEYS: `crm:canary-raw-key-${'7'.repeat(40)}` }, /API_KEYS entry 1 must be NAME:SHA256HEX/],
    ['a short JWT_SECRET', { AUTH_MODE: 'jwt', JWT_SECRET: 'canary-short-secret', JWT_ISSUER: 'i', JWT_AUDIENCE: 'a' }, /JWT_SECRET must be at least 32/],
  ])('is not printed when the configuration is rejected: %s', async (_name, env, message) => {
    const failed = ServiceProcess.spawn({ ASSISTANT_API: 'local', LOG_LEVEL: 'debug', ...env }, dir);
    expect((await failed.exited).code).toBe(1);
    expect(failed.logs).toMatch(message);
    expect(failed.logs).not.toMatch(/canary/);
  });
});
