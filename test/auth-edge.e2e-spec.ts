import { createHash } from 'node:crypto';
import request from 'supertest';
import { startTestApp, type TestApp } from './support/test-app';

const KEY = 'edge-key-3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e';
const API_KEYS = `crm:${createHash('sha256').update(KEY).digest('hex')}`;
const JWT = { AUTH_MODE: 'jwt', JWT_SECRET: 'edge-secret-0123456789abcdef0123456789', JWT_ISSUER: 'https://idp.test/', JWT_AUDIENCE: 'chat-backend' };

type Operation = { security?: Array<Record<string, string[]>>; responses: Record<string, unknown> };
type Document = { paths: Record<string, Record<string, Operation>>; components: { securitySchemes?: Record<string, unknown> } };

describe('authentication at the edges', () => {
  let app: TestApp;

  afterEach(async () => {
    await app.close();
  });

  describe('AUTH_MODE=none', () => {
    beforeEach(async () => {
      app = await startTestApp({ ASSISTANT_API: 'local' });
    });

    it('ignores credentials and never challenges: user_id is whatever the client sends', async () => {
      const response = await request(app.url)
        .post('/api/chat')
        .set({ Authorization: 'Bearer anything', 'X-API-Key': 'anything else' })
        .send({ user_id: 'alice', message: 'hi' })
        .expect(200);
      expect(response.body.user_id).toBe('alice');
      expect(response.headers['www-authenticate']).toBeUndefined();
      const missing = await request(app.url).get('/api/chat/history').expect(400);
      expect(missing.body).toMatchObject({ code: 'VALIDATION_FAILED', message: ['user_id must be a string', 'user_id must be 1 to 128 characters of A-Z a-z 0-9 . _ : @ -'] });
    });

    it('documents no security scheme', async () => {
      const document = (await request(app.url).get('/api/docs-json').expect(200)).body as Document;
      expect(document.components.securitySchemes).toBeUndefined();
      for (const operations of Object.values(document.paths)) for (const operation of Object.values(operations)) expect(operation.security).toBeUndefined();
    });
  });

  describe('Swagger security schemes', () => {
    const chatOperations = (document: Document) =>
      Object.entries(document.paths)
        .filter(([path]) => path.startsWith('/api/chat'))
        .flatMap(([, operations]) => Object.values(operations));

    it('offers a bearer key and X-API-Key with AUTH_MODE=api-key, on the chat routes only', async () => {
      app = await startTestApp({ ASSISTANT_API: 'local', AUTH_MODE: 'api-key', API_KEYS });
      const document = (await request(app.url).get('/api/docs-json').expect(200)).body as Document;
      expect(document.components.securitySchemes).toEqual({
        bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
        'api-key': expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-API-Key' }),
      });
      const chat = chatOperations(document);
      // send, stream, history, erase, reset thread; submit a job, read a job.
      expect(chat).toHaveLength(7);
      for (const operation of chat) {
        expect(operation.security).toEqual([{ bearer: [] }, { 'api-key': [] }]);
        expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['401', '403']));
      }
      for (const operation of Object.values(document.paths['/api/health'])) expect(operation.security).toBeUndefined();
    });

    it('offers a JWT bearer token with AUTH_MODE=jwt', async () => {
      app = await startTestApp({ ASSISTANT_API: 'local', ...JWT });
      const document = (await request(app.url).get('/api/docs-json').expect(200)).body as Document;
      expect(document.components.securitySchemes).toEqual({ bearer: expect.objectContaining({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }) });
      for (const operation of chatOperations(document)) expect(operation.security).toEqual([{ bearer: [] }]);
    });
  });

  describe('CORS', () => {
    const preflight = (origin: string) =>
      request(app.url)
        .options('/api/chat')
        .set({ Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,x-api-key,content-type' });

    it('with CORS_ORIGINS=*, allows the credential headers but never says credentials are allowed', async () => {
      app = await startTestApp({ ASSISTANT_API: 'local', AUTH_MODE: 'api-key', API_KEYS });
      const response = await preflight('https://anywhere.example').expect(204);
      expect(response.headers['access-control-allow-origin']).toBe('*');
      expect(response.headers['access-control-allow-credentials']).toBeUndefined();
      expect(response.headers['access-control-allow-headers']?.toLowerCase().split(',')).toEqual(expect.arrayContaining(['authorization', 'x-api-key']));
      const refused = await request(app.url).post('/api/chat').set('Origin', 'https://anywhere.example').send({ message: 'hi' }).expect(401);
      expect(refused.headers['access-control-expose-headers']).toContain('WWW-Authenticate');
    });

    it('with a list, allows credentials to the listed origins only', async () => {
      app = await startTestApp({ ASSISTANT_API: 'local', AUTH_MODE: 'api-key', API_KEYS, CORS_ORIGINS: 'https://app.example' });
      const allowed = await preflight('https://app.example').expect(204);
      expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example');
      expect(allowed.headers['access-control-allow-credentials']).toBe('true');
      // Without Access-Control-Allow-Origin a browser refuses the response whatever else it says (the cors package
      // repeats Allow-Credentials on every answer); the browser test shows such a page is blocked.
      const other = await preflight('https://evil.example');
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    });
  });
});
