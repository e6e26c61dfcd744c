import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Body, Controller, Get, Global, type INestApplication, Module, Post, Query, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import request from 'supertest';
import { claimsAt, signHs256 } from '../../test/support/token-signer';
import { MetricsService } from '../metrics/metrics.service';
import { HttpErrorFilter } from '../common/http-error.filter';
import { type AuthConfig, authConfig } from '../config/auth.config';
import { type ThrottleConfig, throttleConfig } from '../config/throttle.config';
import { AuthModule } from './auth.module';
import { Caller } from './caller.decorator';
import type { Principal } from './principal';
import { Public } from './public.decorator';
import { rateLimitTracker } from './rate-limit-tracker';

const CRM_KEY = 'crm-key-5d41402abc4b2a76b9719d911017c592';
const WEB_KEY = 'web-key-7d793037a0760186574b0282f2f435e7';
const sha256 = (key: string) => createHash('sha256').update(key).digest();
const API_KEYS: AuthConfig = { mode: 'api-key', keys: [{ name: 'crm', sha256: sha256(CRM_KEY) }, { name: 'web', sha256: sha256(WEB_KEY) }] };
const SECRET = 'guard-spec-secret-0123456789abcdef0123456789';
const JWT: AuthConfig = {
  mode: 'jwt',
  jwt: { keySource: { kind: 'secret', secret: SECRET }, issuer: 'https://idp.test/', audience: 'chat-backend', userClaim: 'sub' },
};

@Controller('probe')
class ProbeController {
  @Get('public')
  @Public()
  open(): { ok: true } {
    return { ok: true };
  }

  @Get('me')
  me(@Caller() caller: Principal, @Query('user_id') userId?: string): object {
    return caller.resolveUser(userId, 'required');
  }

  @Post('turn')
  @UseGuards(ThrottlerGuard)
  turn(@Caller() caller: Principal, @Body() body: { user_id?: string }): object {
    return caller.resolveUser(body.user_id, 'anonymous');
  }
}

/** A small app with the real AuthModule and throttler, configured as the service would be for `auth`. */
async function boot(auth: AuthConfig, throttle: ThrottleConfig = { limit: 1000, ttlMs: 60000 }): Promise<{ app: INestApplication; url: string }> {
  @Global()
  @Module({
    providers: [
      { provide: authConfig.KEY, useValue: auth },
      { provide: throttleConfig.KEY, useValue: throttle },
    ],
    exports: [authConfig.KEY, throttleConfig.KEY],
  })
  class ConfigValues {}

  @Module({
    imports: [
      ConfigValues,
      ThrottlerModule.forRoot({
        throttlers: [{ ttl: throttle.ttlMs, limit: throttle.limit }],
        getTracker: (req) => rateLimitTracker(req as Parameters<typeof rateLimitTracker>[0]),
        generateKey: (_context, tracker, name) => `${name}:${tracker}`,
      }),
      AuthModule,
    ],
    controllers: [ProbeController],
  })
  class ProbeModule {}

  const app = await NestFactory.create(ProbeModule, { logger: false, abortOnError: false });
  app.useGlobalFilters(new HttpErrorFilter(new MetricsService()));
  await app.listen(0, '127.0.0.1');
  return { app, url: `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}` };
}

describe('AuthGuard', () => {
  let app: INestApplication | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  describe('with AUTH_MODE=none', () => {
    it('lets everyone in as the open principal, ignoring any credentials, and limits per address', async () => {
      let url: string;
      ({ app, url } = await boot({ mode: 'none' }, { limit: 2, ttlMs: 60000 }));
      await request(url).get('/probe/me').query({ user_id: 'alice' }).expect(200, { namespace: '', userId: 'alice' });
      await request(url).get('/probe/me').set('Authorization', 'Bearer whatever').query({ user_id: 'alice' }).expect(200);
      const missing = await request(url).get('/probe/me').expect(400);
      expect(missing.body.message).toEqual(['user_id must be a string', 'user_id must be 1 to 128 characters of A-Z a-z 0-9 . _ : @ -']);
      // Two users, one address: one budget, as before authentication existed.
      await request(url).post('/probe/turn').send({ user_id: 'a' }).expect(201);
      await request(url).post('/probe/turn').send({ user_id: 'b' }).expect(201);
      await request(url).post('/probe/turn').send({ user_id: 'c' }).expect(429);
    });
  });

  describe('with AUTH_MODE=api-key', () => {
    let url: string;

    beforeEach(async () => {
      ({ app, url } = await boot(API_KEYS));
    });

    it('serves public routes without credentials', async () => {
      await request(url).get('/probe/public').expect(200, { ok: true });
    });

    it('answers 401 with a plain Bearer challenge when no key is sent', async () => {
      const response = await request(url).get('/probe/me').query({ user_id: 'alice' }).expect(401);
      expect(response.headers['www-authenticate']).toBe('Bearer');
      expect(response.body).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: 'An API key is required: send Authorization: Bearer KEY or X-API-Key: KEY',
        code: 'UNAUTHENTICATED',
        requestId: expect.any(String),
      });
    });

    it('answers 401 invalid_token for an unknown key, without echoing it', async () => {
      const response = await request(url).get('/probe/me').set('X-API-Key', `${CRM_KEY}x`).query({ user_id: 'alice' }).expect(401);
      expect(response.headers['www-authenticate']).toBe('Bearer error="invalid_token", error_description="The API key is not valid"');
      expect(JSON.stringify(response.body)).not.toContain(CRM_KEY);
    });

    it.each([
      ['Authorization: Bearer', { Authorization: `Bearer ${CRM_KEY}` }],
      ['a lower-case scheme', { Authorization: `bearer ${CRM_KEY}` }],
      ['X-API-Key', { 'X-API-Key': CRM_KEY }],
      ['both headers with the same key', { Authorization: `Bearer ${CRM_KEY}`, 'X-API-Key': CRM_KEY }],
    ])('accepts the key in %s and puts the user in its namespace', async (_name, headers) => {
      await request(url).get('/probe/me').set(headers).query({ user_id: 'alice' }).expect(200, { namespace: 'key:crm', userId: 'alice' });
    });

    it.each([
      ['two different keys', { Authorization: `Bearer ${CRM_KEY}`, 'X-API-Key': WEB_KEY }, 'Authorization and X-API-Key carry different keys'],
      ['Bearer without a key', { Authorization: 'Bearer' }, 'The Authorization header must be Bearer followed by one credential'],
      ['Bearer with two words', { Authorization: `Bearer ${CRM_KEY} ${WEB_KEY}` }, 'The Authorization header must be Bearer followed by one credential'],
    ])('answers 401 invalid_request for %s', async (_name, headers, message) => {
      const response = await request(url).get('/probe/me').set(headers).query({ user_id: 'alice' }).expect(401);
      expect(response.headers['www-authenticate']).toBe(`Bearer error="invalid_request", error_description="${message}"`);
      expect(response.body.message).toBe(message);
    });

    it('gives each key its own users, and needs user_id to name one', async () => {
      await request(url).get('/probe/me').set('X-API-Key', WEB_KEY).query({ user_id: 'alice' }).expect(200, { namespace: 'key:web', userId: 'alice' });
      expect((await request(url).get('/probe/me').set('X-API-Key', WEB_KEY).expect(400)).body.code).toBe('VALIDATION_FAILED');
      const anonymous = await request(url).post('/probe/turn').set('X-API-Key', WEB_KEY).send({}).expect(201);
      expect(anonymous.body).toEqual({ namespace: 'key:web', userId: expect.stringMatching(/^anon-[0-9a-f-]{36}$/) });
    });
  });

  describe('refused requests', () => {
    it('count against the address: past THROTTLE_LIMIT refusals, even a right key gets 429 until the window ends', async () => {
      let url: string;
      ({ app, url } = await boot(API_KEYS, { limit: 2, ttlMs: 1000 }));
      // Accepted requests spend nothing of that budget.
      for (let i = 0; i < 5; i++) await request(url).get('/probe/me').set('X-API-Key', CRM_KEY).query({ user_id: 'a' }).expect(200);
      await request(url).get('/probe/me').set('X-API-Key', 'guess-1').query({ user_id: 'a' }).expect(401);
      await request(url).get('/probe/me').query({ user_id: 'a' }).expect(401);
      const blocked = await request(url).get('/probe/me').set('X-API-Key', CRM_KEY).query({ user_id: 'a' }).expect(429);
      expect(blocked.body.code).toBe('RATE_LIMITED');
      expect(Number(blocked.headers['retry-after'])).toBe(1);
      await request(url).get('/probe/public').expect(200);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await request(url).get('/probe/me').set('X-API-Key', CRM_KEY).query({ user_id: 'a' }).expect(200);
    });
  });

  describe('rate limit per principal', () => {
    it('counts per key and user_id with API keys, from one address', async () => {
      let url: string;
      ({ app, url } = await boot(API_KEYS, { limit: 1, ttlMs: 60000 }));
      const turn = (key: string, body: object) => request(url).post('/probe/turn').set('X-API-Key', key).send(body);
      await turn(CRM_KEY, { user_id: 'alice' }).expect(201);
      await turn(CRM_KEY, { user_id: 'alice' }).expect(429);
      await turn(CRM_KEY, { user_id: 'bob' }).expect(201);
      // The same user_id under another key is another user, with its own budget.
      await turn(WEB_KEY, { user_id: 'alice' }).expect(201);
      // A key's anonymous requests share one budget: a fresh anon id each time must not mean no limit.
      await turn(WEB_KEY, {}).expect(201);
      await turn(WEB_KEY, {}).expect(429);
      await turn(WEB_KEY, { user_id: 'bad id' }).expect(429);
    });

    it('counts per token user with JWT, and refuses a user_id that is not the token user with 403', async () => {
      let url: string;
      ({ app, url } = await boot(JWT, { limit: 1, ttlMs: 60000 }));
      const now = Math.floor(Date.now() / 1000);
      const alice = await signHs256(claimsAt(now, { sub: 'alice' }), SECRET);
      const bob = await signHs256(claimsAt(now, { sub: 'bob' }), SECRET);
      await request(url).get('/probe/me').auth(alice, { type: 'bearer' }).expect(200, { namespace: 'jwt', userId: 'alice' });
      await request(url).get('/probe/me').auth(alice, { type: 'bearer' }).query({ user_id: 'alice' }).expect(200);
      const forbidden = await request(url).get('/probe/me').auth(alice, { type: 'bearer' }).query({ user_id: 'bob' }).expect(403);
      expect(forbidden.body).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' });
      expect(forbidden.headers['www-authenticate']).toBeUndefined();

      await request(url).post('/probe/turn').auth(alice, { type: 'bearer' }).send({}).expect(201, { namespace: 'jwt', userId: 'alice' });
      // Naming other users does not buy alice a fresh budget.
      await request(url).post('/probe/turn').auth(alice, { type: 'bearer' }).send({ user_id: 'carol' }).expect(429);
      await request(url).post('/probe/turn').auth(bob, { type: 'bearer' }).send({}).expect(201);
    });

    it('answers an expired token with invalid_token', async () => {
      let url: string;
      ({ app, url } = await boot(JWT));
      const expired = await signHs256(claimsAt(Math.floor(Date.now() / 1000) - 3600), SECRET);
      const response = await request(url).get('/probe/me').auth(expired, { type: 'bearer' }).expect(401);
      expect(response.headers['www-authenticate']).toBe('Bearer error="invalid_token", error_description="The token has expired"');
      expect(JSON.stringify(response.body)).not.toContain(expired);
    });
  });
});
