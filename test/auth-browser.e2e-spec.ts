import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { JwksServer } from './support/jwks.server';
import { launchChromium } from './support/servers/chromium.launcher';
import { startTestApp, type TestApp } from './support/test-app';
import { claimsAt, SigningKey } from './support/token-signer';

/** A web page of its own origin (127.0.0.1 on another port), as a front end would be. */
async function servePage(): Promise<{ origin: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end('<!doctype html><title>front end</title><p>front end</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** What a page's script gets from calling the API with its token. */
function callFromPage(page: Page, api: string, token: string, message: string) {
  return page.evaluate(
    async ({ api, token, message }) => {
      try {
        const response = await fetch(`${api}/api/chat`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
          body: JSON.stringify({ message }),
        });
        return { status: response.status, challenge: response.headers.get('WWW-Authenticate'), body: (await response.json()) as { user_id?: string } };
      } catch (error) {
        return { blocked: String(error) };
      }
    },
    { api, token, message },
  );
}

describe('a browser with a token (headless Chromium)', () => {
  let browser: Browser;
  let jwks: JwksServer;
  let key: SigningKey;
  let app: TestApp | undefined;
  const pages: Server[] = [];

  const tokenFor = (sub: string, extra = {}) => key.sign(claimsAt(Math.floor(Date.now() / 1000), { sub, ...extra }));
  const startApi = (extra: Record<string, string> = {}) =>
    startTestApp({
      ASSISTANT_API: 'local',
      AUTH_MODE: 'jwt',
      JWT_JWKS_URL: jwks.url,
      JWT_ISSUER: 'https://idp.test/',
      JWT_AUDIENCE: 'chat-backend',
      ...extra,
    });
  const said = async (token: string) =>
    ((await request(app!.url).get('/api/chat/history').auth(token, { type: 'bearer' }).expect(200)).body.messages as Array<{ user: string }>).map((m) => m.user);

  beforeAll(async () => {
    key = await SigningKey.generate('RS256', 'browser');
    jwks = await JwksServer.start([await key.publicJwk()]);
    browser = await launchChromium();
  });

  afterEach(async () => {
    await app?.close();
    app = undefined;
    for (const server of pages.splice(0)) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  afterAll(async () => {
    await browser?.close();
    await jwks.stop();
  });

  it('calls the API from an allowed origin, and is blocked from any other', async () => {
    const [allowed, other] = await Promise.all([servePage(), servePage()]);
    pages.push(allowed.server, other.server);
    app = await startApi({ CORS_ORIGINS: allowed.origin });
    const token = await tokenFor('browser-user');
    const tab = await browser.newPage();
    try {
      await tab.goto(`${allowed.origin}/`);
      const ok = await callFromPage(tab, app.url, token, 'from the allowed origin');
      expect(ok).toMatchObject({ status: 200, body: { user_id: 'browser-user' } });
      // The page can read why it was refused: WWW-Authenticate is exposed.
      const expired = await callFromPage(tab, app.url, await tokenFor('browser-user', { exp: 1 }), 'expired');
      expect(expired).toMatchObject({ status: 401, challenge: expect.stringContaining('error="invalid_token"') });

      await tab.goto(`${other.origin}/`);
      const blocked = await callFromPage(tab, app.url, token, 'from another origin');
      expect(blocked).toEqual({ blocked: expect.stringContaining('Failed to fetch') });
    } finally {
      await tab.close();
    }
    // The preflight stopped it: the request from the other origin never reached the chat.
    expect(await said(token)).toEqual(['from the allowed origin']);
  });

  it('Swagger UI: Authorize with a token, Try it out on POST /api/chat, 200', async () => {
    app = await startApi();
    const token = await tokenFor('swagger-user');
    const tab = await browser.newPage();
    try {
      await tab.goto(`${app.url}/api/docs`);
      await tab.click('.swagger-ui .scheme-container .btn.authorize');
      await tab.fill('#auth-bearer-value', token);
      await tab.click('.auth-container button[type=submit]');
      await tab.click('.auth-container button.btn-done');

      const operation = tab.locator('#operations-chat-ChatController_send');
      await operation.locator('.opblock-summary').click();
      await operation.locator('button.try-out__btn').click();
      await operation.locator('textarea.body-param__text').fill(JSON.stringify({ message: 'from swagger ui' }));
      await operation.locator('button.execute').click();
      const status = operation.locator('.live-responses-table .response .response-col_status');
      await status.waitFor({ timeout: 10000 });
      expect((await status.innerText()).trim()).toBe('200');
      expect(await operation.locator('.live-responses-table .response .response-col_description').innerText()).toContain('swagger-user');
    } finally {
      await tab.close();
    }
    expect(await said(token)).toEqual(['from swagger ui']);
  });
});
