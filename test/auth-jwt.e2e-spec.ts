import { readFile } from 'node:fs/promises';
import type { JWTPayload } from 'jose';
import request from 'supertest';
import { JwksServer } from './support/jwks.server';
import { parseSse } from './support/sse';
import { startTestApp, type TestApp } from './support/test-app';
import { claimsAt, signHs256, SigningKey, unsignedToken } from './support/token-signer';

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('AUTH_MODE=jwt', () => {
  let jwks: JwksServer;
  let rsa: SigningKey;
  let ec: SigningKey;
  let app: TestApp;

  const env = (extra: Record<string, string> = {}) => ({
    ASSISTANT_API: 'local',
    AUTH_MODE: 'jwt',
    JWT_JWKS_URL: jwks.url,
    JWT_ISSUER: 'https://idp.test/',
    JWT_AUDIENCE: 'chat-backend',
    ...extra,
  });
  const tokenFor = (sub: string, extra: JWTPayload = {}, key = rsa) => key.sign(claimsAt(nowSeconds(), { sub, ...extra }));

  beforeAll(async () => {
    [rsa, ec] = await Promise.all([SigningKey.generate('RS256', 'rsa-1'), SigningKey.generate('ES256', 'ec-1')]);
    jwks = await JwksServer.start([await rsa.publicJwk(), await ec.publicJwk()]);
  });

  afterEach(async () => {
    await app.close();
  });

  afterAll(async () => {
    await jwks.stop();
  });

  describe('isolation', () => {
    let alice: string;
    let bob: string;

    beforeEach(async () => {
      app = await startTestApp(env());
      [alice, bob] = await Promise.all([tokenFor('alice'), tokenFor('bob', {}, ec)]);
    });

    const chat = (token: string, body: object) => request(app.url).post('/api/chat').auth(token, { type: 'bearer' }).send(body);
    const history = (token: string, query: object = {}) => request(app.url).get('/api/chat/history').auth(token, { type: 'bearer' }).query(query);
    const said = (response: request.Response) => (response.body.messages as Array<{ user: string }>).map((m) => m.user);

    it('takes the user from the token: user_id may be left out, or repeat it', async () => {
      const first = await chat(alice, { message: 'one' }).expect(200);
      expect(first.body).toMatchObject({ user_id: 'alice', answer: expect.stringContaining('Turn 1') });
      const second = await chat(alice, { user_id: 'alice', message: 'two' }).expect(200);
      expect(second.body).toMatchObject({ user_id: 'alice', thread_id: first.body.thread_id, answer: expect.stringContaining('Turn 2') });
      const own = await history(alice).expect(200);
      expect(own.body.user_id).toBe('alice');
      expect(said(own)).toEqual(['one', 'two']);
      const log = JSON.parse(await readFile(app.logPath, 'utf8')) as Record<string, unknown[]>;
      expect(Object.keys(log)).toEqual(['jwt/alice']);
    });

    it('refuses with 403 every route that names another user, and changes nothing', async () => {
      await chat(bob, { message: "bob's secret" }).expect(200);
      const refused = [
        await chat(alice, { user_id: 'bob', message: 'planted' }),
        await request(app.url).post('/api/chat/stream').auth(alice, { type: 'bearer' }).send({ user_id: 'bob', message: 'planted' }),
        await history(alice, { user_id: 'bob' }),
        await request(app.url).delete('/api/chat/thread').auth(alice, { type: 'bearer' }).query({ user_id: 'bob' }),
        await request(app.url).delete('/api/chat/history').auth(alice, { type: 'bearer' }).query({ user_id: 'bob' }),
      ];
      for (const response of refused) {
        expect(response.status).toBe(403);
        expect(response.headers['content-type']).toMatch(/^application\/json/);
        expect(response.body).toMatchObject({ statusCode: 403, error: 'Forbidden', code: 'FORBIDDEN' });
        expect(JSON.stringify(response.body)).not.toContain("bob's secret");
      }
      const bobs = await history(bob).expect(200);
      expect(said(bobs)).toEqual(["bob's secret"]);
      expect((await chat(bob, { message: 'again' }).expect(200)).body.answer).toContain('Turn 2');
    });

    it('streams, resets and erases only the caller', async () => {
      const streamed = await fetch(`${app.url}/api/chat/stream`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${alice}` },
        body: JSON.stringify({ message: 'streamed' }),
      });
      expect(streamed.status).toBe(200);
      expect(parseSse(await streamed.text()).at(-1)).toMatchObject({ event: 'done', data: { user_id: 'alice' } });
      await chat(bob, { message: 'bob one' }).expect(200);

      await request(app.url).delete('/api/chat/thread').auth(alice, { type: 'bearer' }).expect(204);
      expect((await chat(alice, { message: 'after reset' }).expect(200)).body.answer).toContain('Turn 1');
      expect((await chat(bob, { message: 'bob two' }).expect(200)).body.answer).toContain('Turn 2');

      await request(app.url).delete('/api/chat/history').auth(alice, { type: 'bearer' }).expect(204);
      expect(said(await history(alice).expect(200))).toEqual([]);
      expect(said(await history(bob).expect(200))).toEqual(['bob one', 'bob two']);
    });
  });

  describe('refusals', () => {
    beforeEach(async () => {
      app = await startTestApp(env());
    });

    const refusal = async (token: string | undefined) => {
      const call = request(app.url).post('/api/chat');
      const response = await (token === undefined ? call : call.auth(token, { type: 'bearer' })).send({ message: 'hi' }).expect(401);
      expect(response.body).toMatchObject({ statusCode: 401, error: 'Unauthorized', code: 'UNAUTHENTICATED' });
      if (token !== undefined) expect(JSON.stringify(response.body) + response.headers['www-authenticate']).not.toContain(token);
      return response.headers['www-authenticate'] as string;
    };

    it('challenges a request without a token, without an error code', async () => {
      expect(await refusal(undefined)).toBe('Bearer');
    });

    it.each<[string, () => Promise<string>, string]>([
      ['an expired token', () => tokenFor('alice', { exp: nowSeconds() - 120 }), 'The token has expired'],
      ['a token not valid yet', () => tokenFor('alice', { nbf: nowSeconds() + 120 }), 'The token is not valid yet'],
      ['another issuer', () => tokenFor('alice', { iss: 'https://evil.test/' }), "The token's issuer is not accepted"],
      ['another audience', () => tokenFor('alice', { aud: 'other' }), "The token's audience is not accepted"],
      ['a key the provider does not publish', async () => (await SigningKey.generate('RS256', 'rsa-1')).sign(claimsAt(nowSeconds())), "The token's signature is not valid"],
      ['alg none', async () => unsignedToken(claimsAt(nowSeconds())), "The token's algorithm is not accepted"],
      ['HS256 signed with the public key', async () => signHs256(claimsAt(nowSeconds()), await rsa.publicPem(), { kid: 'rsa-1' }), "The token's algorithm is not accepted"],
      ['a user claim that breaks the user_id rule', () => tokenFor('not/valid'), "The token's sub claim is not a valid user_id"],
    ])('refuses %s with invalid_token', async (_name, token, description) => {
      expect(await refusal(await token())).toBe(`Bearer error="invalid_token", error_description="${description}"`);
    });
  });

  describe('rate limit', () => {
    it('counts per token user, so users behind one IP each get their budget', async () => {
      app = await startTestApp(env({ THROTTLE_LIMIT: '2' }));
      const [alice, bob] = await Promise.all([tokenFor('alice'), tokenFor('bob')]);
      const chat = (token: string) => request(app.url).post('/api/chat').auth(token, { type: 'bearer' }).send({ message: 'hi' });
      await chat(alice).expect(200);
      await chat(alice).expect(200);
      expect(Number((await chat(alice).expect(429)).headers['retry-after'])).toBeGreaterThan(0);
      await chat(bob).expect(200);
      // A fresh token for the same user is the same budget.
      await chat(await tokenFor('alice', { jti: 'another' })).expect(429);
    });

    it('counts refused tokens per IP', async () => {
      app = await startTestApp(env({ THROTTLE_LIMIT: '2', THROTTLE_TTL_MS: '60000' }));
      const expired = await tokenFor('mallory', { exp: nowSeconds() - 120 });
      const chat = (token: string) => request(app.url).post('/api/chat').auth(token, { type: 'bearer' }).send({ message: 'hi' });
      await chat(expired).expect(401);
      await chat('garbage').expect(401);
      await chat(await tokenFor('alice')).expect(429);
    });
  });
});
