import request from 'supertest';
import { rawJsonBody, stallingClient } from './support/raw-http';
import { startTestApp, type TestApp } from './support/test-app';

describe('slow and stalled clients (HTTP_REQUEST_TIMEOUT_MS=500)', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ ASSISTANT_API: 'local', HTTP_REQUEST_TIMEOUT_MS: '500' });
  });

  afterAll(async () => {
    await app.close();
  });

  it.each([
    ['a body that never completes', 'POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"message":'],
    ['headers that never complete', 'POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: appl'],
  ])('answers %s with a JSON 408 and closes the socket, long before Node’s 300 s', async (_name, bytes) => {
    const { text, closed, ms } = await stallingClient(app.url, bytes, 5000);
    expect(closed).toBe(true);
    expect(text).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(text).toMatch(/\r\nConnection: close\r\n/i);
    expect(rawJsonBody(text)).toEqual({ statusCode: 408, error: 'Request Timeout', message: expect.any(String), code: 'REQUEST_TIMEOUT', requestId: expect.any(String) });
    // The timeout plus at most one check interval (a quarter of it) and scheduling slack.
    expect(ms).toBeGreaterThanOrEqual(450);
    expect(ms).toBeLessThan(2500);
  });

  it('closes a connection that never sends a request', async () => {
    const { closed, ms } = await stallingClient(app.url, '', 5000);
    expect(closed).toBe(true);
    expect(ms).toBeLessThan(2500);
  });

  it('still serves a client that sends its request in time', async () => {
    await request(app.url).post('/api/chat').send({ message: 'quick' }).expect(200);
  });
});

describe('the stream route and Connection: close', () => {
  it('closes the connection after the stream when the client asked for it, and says so', async () => {
    const app = await startTestApp({ ASSISTANT_API: 'local' });
    try {
      const body = JSON.stringify({ user_id: 'closer', message: 'hi' });
      const bytes = `POST /api/chat/stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
      const { text, closed } = await stallingClient(app.url, bytes, 5000);
      expect(closed).toBe(true);
      expect(text).toMatch(/\r\nConnection: close\r\n/i);
      expect(text).not.toMatch(/keep-alive/i);
      expect(text).toContain('event: done');
    } finally {
      await app.close();
    }
  });
});

describe('content types', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ ASSISTANT_API: 'local' });
  });

  afterAll(async () => {
    await app.close();
  });

  it.each([
    'application/json; charset=utf-16',
    'application/json; charset=latin1',
    'application/json; charset=',
    'application/json;charset=utf8',
    'application/vnd.foo+json',
    'application/x-www-form-urlencoded',
    'text/plain',
  ])('refuses %s with 415 and says what it takes', async (contentType) => {
    const { body } = await request(app.url).post('/api/chat').set('Content-Type', contentType).send('{"message":"hi"}').expect(415);
    expect(body).toMatchObject({ statusCode: 415, error: 'Unsupported Media Type', code: 'UNSUPPORTED_MEDIA_TYPE' });
    expect(body.message).toContain('application/json');
  });

  it.each(['application/json', 'application/json; charset=utf-8', 'Application/JSON; Charset="UTF-8"'])(
    'accepts %s',
    async (contentType) => {
      await request(app.url).post('/api/chat').set('Content-Type', contentType).send('{"message":"hi"}').expect(200);
    },
  );
});

describe('error bodies stay small', () => {
  it('lists at most 20 validation messages, then says how many more there were', async () => {
    const app = await startTestApp({ ASSISTANT_API: 'local' });
    try {
      const body: Record<string, unknown> = { message: 'hi' };
      for (let n = 0; n < 5500; n += 1) body[`k${n}`] = 1;
      const response = await request(app.url).post('/api/chat').send(body).expect(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
      expect(response.body.message).toHaveLength(21);
      expect(response.body.message.slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, n) => `property k${n} should not exist`));
      expect(response.body.message[20]).toBe('and 5480 more');
      expect(JSON.stringify(response.body).length).toBeLessThan(2048);
    } finally {
      await app.close();
    }
  });
});

describe('validation settings belong to each app', () => {
  it('keeps MESSAGE_MAX_CHARS apart for two apps in one process', async () => {
    const strict = await startTestApp({ ASSISTANT_API: 'local', MESSAGE_MAX_CHARS: '20' });
    const lenient = await startTestApp({ ASSISTANT_API: 'local', MESSAGE_MAX_CHARS: '5000' });
    try {
      const hundred = 'x'.repeat(100);
      const refused = await request(strict.url).post('/api/chat').send({ message: hundred }).expect(400);
      expect(refused.body.message).toEqual(['message must be 1 to 20 characters long after trimming']);
      await request(lenient.url).post('/api/chat').send({ message: hundred }).expect(200);
      await request(strict.url).post('/api/chat').send({ message: hundred }).expect(400);
    } finally {
      await strict.close();
      await lenient.close();
    }
  });
});
