import request from 'supertest';
import { startTestApp, type TestApp } from './support/test-app';

describe('rate limit', () => {
  let app: TestApp;

  afterEach(async () => {
    await app.close();
  });

  it('allows THROTTLE_LIMIT chat requests per window, then 429 with Retry-After', async () => {
    app = await startTestApp({ ASSISTANT_API: 'local', THROTTLE_LIMIT: '3', THROTTLE_TTL_MS: '60000' });
    for (let i = 0; i < 3; i++) await request(app.url).post('/api/chat').send({ user_id: 'rl', message: `m${i}` }).expect(200);
    const limited = await request(app.url).post('/api/chat').send({ user_id: 'rl', message: 'one more' }).expect(429);
    expect(limited.body).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: expect.any(String),
      code: 'RATE_LIMITED',
      requestId: expect.any(String),
    });
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Every chat route counts; health and docs never do.
    await request(app.url).get('/api/chat/history').query({ user_id: 'rl' }).expect(429);
    await request(app.url).post('/api/chat/stream').send({ message: 'x' }).expect(429);
    for (let i = 0; i < 5; i++) await request(app.url).get('/api/health').expect(200);
    await request(app.url).get('/api/docs-json').expect(200);
  });

  it('defaults to 5 requests a minute', async () => {
    app = await startTestApp({ ASSISTANT_API: 'local', THROTTLE_LIMIT: '' });
    for (let i = 0; i < 5; i++) await request(app.url).get('/api/chat/history').query({ user_id: 'd' }).expect(200);
    const limited = await request(app.url).get('/api/chat/history').query({ user_id: 'd' }).expect(429);
    expect(limited.headers['retry-after']).toBeDefined();
  });

  it('opens a new window after THROTTLE_TTL_MS', async () => {
    app = await startTestApp({ ASSISTANT_API: 'local', THROTTLE_LIMIT: '1', THROTTLE_TTL_MS: '300' });
    await request(app.url).get('/api/chat/history').query({ user_id: 'w' }).expect(200);
    await request(app.url).get('/api/chat/history').query({ user_id: 'w' }).expect(429);
    await new Promise((resolve) => setTimeout(resolve, 400));
    await request(app.url).get('/api/chat/history').query({ user_id: 'w' }).expect(200);
  });

  it('ignores a spoofed X-Forwarded-For without TRUST_PROXY', async () => {
    app = await startTestApp({ ASSISTANT_API: 'local', THROTTLE_LIMIT: '2' });
    const from = (ip: string) => request(app.url).get('/api/chat/history').query({ user_id: 's' }).set('X-Forwarded-For', ip);
    await from('203.0.113.1').expect(200);
    await from('203.0.113.2').expect(200);
    await from('203.0.113.3').expect(429);
  });

  it('limits each forwarded client separately with TRUST_PROXY', async () => {
    app = await startTestApp({ ASSISTANT_API: 'local', THROTTLE_LIMIT: '2', TRUST_PROXY: 'loopback' });
    const from = (ip: string) => request(app.url).get('/api/chat/history').query({ user_id: 's' }).set('X-Forwarded-For', ip);
    await from('203.0.113.1').expect(200);
    await from('203.0.113.1').expect(200);
    await from('203.0.113.1').expect(429);
    await from('203.0.113.2').expect(200);
  });
});

describe('CORS', () => {
  let app: TestApp;

  afterEach(async () => {
    await app.close();
  });

  it('allows any origin by default', async () => {
    app = await startTestApp({ ASSISTANT_API: 'local' });
    const response = await request(app.url).get('/api/health').set('Origin', 'https://anywhere.example').expect(200);
    expect(response.headers['access-control-allow-origin']).toBe('*');
  });

  it('answers a preflight from a listed origin and gives other origins no Allow-Origin header', async () => {
    app = await startTestApp({ ASSISTANT_API: 'local', CORS_ORIGINS: 'https://app.example.com, http://localhost:3000' });
    const preflight = await request(app.url)
      .options('/api/chat')
      .set('Origin', 'https://app.example.com')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(preflight.headers['access-control-allow-methods']).toContain('POST');
    expect(preflight.headers['access-control-allow-headers']?.toLowerCase()).toContain('content-type');

    const stranger = await request(app.url)
      .post('/api/chat')
      .set('Origin', 'https://evil.example')
      .send({ user_id: 'c', message: 'hi' })
      .expect(200);
    expect(stranger.headers['access-control-allow-origin']).toBeUndefined();

    const strangerPreflight = await request(app.url)
      .options('/api/chat')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'POST');
    expect(strangerPreflight.headers['access-control-allow-origin']).toBeUndefined();

    const friend = await request(app.url).post('/api/chat').set('Origin', 'http://localhost:3000').send({ message: 'hi' }).expect(200);
    expect(friend.headers['access-control-allow-origin']).toBe('http://localhost:3000');
    expect(friend.headers['access-control-expose-headers']).toContain('Retry-After');
  });

  it('adds CORS headers to errors raised before routing, so browsers can read them', async () => {
    app = await startTestApp({ ASSISTANT_API: 'local', CORS_ORIGINS: 'https://app.example.com' });
    const response = await request(app.url)
      .post('/api/chat')
      .set('Origin', 'https://app.example.com')
      .set('Content-Type', 'application/json')
      .send('{oops')
      .expect(400);
    expect(response.headers['access-control-allow-origin']).toBe('https://app.example.com');
  });
});

describe('Swagger and request ids', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ ASSISTANT_API: 'local' });
  });

  afterAll(async () => {
    await app.close();
  });

  it('serves Swagger UI at /api/docs, with a CSP that allows its own scripts and styles only', async () => {
    const response = await request(app.url).get('/api/docs').redirects(1).expect(200);
    expect(response.text).toContain('swagger-ui');
    const csp = response.headers['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    // Every script the page loads comes from the service itself.
    const scripts = [...response.text.matchAll(/<script[^>]*src="([^"]+)"/g)].map((match) => match[1]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) {
      expect(src).not.toMatch(/^https?:/);
      await request(app.url).get(new URL(src, `${app.url}/api/docs/`).pathname).expect(200);
    }
    expect(response.text).not.toMatch(/<script>(?!\s*<\/script>)/);
  });

  it('sets helmet security headers on API responses', async () => {
    const response = await request(app.url).get('/api/health').expect(200);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(response.headers['strict-transport-security']).toContain('max-age=');
  });

  it('echoes a sane X-Request-Id, replaces a bad one, and hides X-Powered-By (and hashes no ETag)', async () => {
    const echoed = await request(app.url).get('/api/health').set('X-Request-Id', 'abc-123').expect(200);
    expect(echoed.headers['x-request-id']).toBe('abc-123');
    expect(echoed.headers['x-powered-by']).toBeUndefined();
    expect(echoed.headers.etag).toBeUndefined();
    const replaced = await request(app.url).get('/api/health').set('X-Request-Id', 'bad id <script>').expect(200);
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const failed = await request(app.url).post('/api/chat').set('X-Request-Id', 'trace-9').send({}).expect(400);
    expect(failed.body.requestId).toBe('trace-9');
  });
});
