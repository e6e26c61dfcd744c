import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './support/servers/chromium.launcher';
import { ServiceProcess } from './support/service-process';
import { makeTempDir, startTestApp, type TestApp } from './support/test-app';

/**
 * The README's picture of the page. Every run takes the screenshot; it replaces
 * the committed one only with UPDATE_SCREENSHOT=1, so that a test run leaves the
 * working tree as it found it.
 */
const SCREENSHOT = process.env.UPDATE_SCREENSHOT === '1' ? join(__dirname, '..', 'docs', 'demo-page.png') : join(tmpdir(), `demo-page-${process.pid}.png`);
const turnOne = (message: string) => `[local assistant] Turn 1. You said: "${message}". This is our first exchange.`;

interface Exchange {
  user: string;
  bot: string;
}

// Page-side snippets are strings: the tests compile without the DOM library.
const LOG_EXCHANGES = `[...document.querySelectorAll('#log li.exchange')].map((li) => ({
  user: li.querySelector('.msg.user').lastChild.textContent,
  bot: li.querySelector('.msg.bot').lastChild.textContent,
}))`;
// Records every distinct text of the live answer area, so the test sees the answer grow.
const RECORD_ANSWER = `window.__answers = [];
  new MutationObserver(() => {
    const text = document.getElementById('answer').textContent;
    if (text && window.__answers.at(-1) !== text) window.__answers.push(text);
  }).observe(document.getElementById('answer'), { childList: true, characterData: true, subtree: true });`;
const RECORD_CSP = `window.__csp = [];
  document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));`;

/** Console errors, uncaught page errors and CSP violations, collected for the whole test. */
async function watch(context: BrowserContext, page: Page): Promise<{ problems: string[]; csp: () => Promise<string[]> }> {
  const problems: string[] = [];
  await context.addInitScript({ content: RECORD_CSP });
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return { problems, csp: () => page.evaluate<string[]>('window.__csp') };
}

async function sendByEnter(page: Page, message: string, exchangesAfter: number): Promise<string[]> {
  await page.evaluate(RECORD_ANSWER);
  await page.fill('#message', message);
  await page.press('#message', 'Enter');
  await logLength(page, exchangesAfter);
  return page.evaluate<string[]>('window.__answers');
}

/**
 * Waits until the log holds `n` exchanges. (A string predicate would be eval'd in the page,
 * which its CSP refuses, as it should; locators are not.)
 */
async function logLength(page: Page, n: number): Promise<void> {
  await page.locator('#log li.exchange').nth(n - 1).waitFor();
  expect(await page.locator('#log li.exchange').count()).toBe(n);
}

const exchanges = (page: Page) => page.evaluate<Exchange[]>(LOG_EXCHANGES);

describe('demo page over HTTP', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ ASSISTANT_API: 'local', THROTTLE_LIMIT: '2' });
  });
  afterAll(async () => app?.close());

  it('serves the page at / under the CSP, with no inline script or handler', async () => {
    const res = await fetch(`${app.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await res.text();
    expect(html).toContain('<script type="module" src="app.js"></script>');
    expect(html.match(/<script\b[^>]*>[^<]+<\/script>/g)).toBeNull();
    expect(html.match(/\son[a-z]+\s*=/gi)).toBeNull();
    for (const [path, type] of [['/app.js', /javascript/], ['/style.css', /^text\/css/], ['/favicon.svg', /^image\/svg\+xml/]] as const) {
      const file = await fetch(`${app.url}${path}`);
      expect([path, file.status]).toEqual([path, 200]);
      expect(file.headers.get('content-type')).toMatch(type);
    }
  });

  it('is not rate limited, while the chat routes are', async () => {
    for (let i = 0; i < 5; i += 1) expect((await fetch(`${app.url}/`)).status).toBe(200);
    const history = () => fetch(`${app.url}/api/chat/history?user_id=http-edge`).then((res) => res.status);
    expect([await history(), await history(), await history()]).toEqual([200, 200, 429]);
  });

  it('leaves unknown API paths to the JSON 404, and keeps other paths harmless', async () => {
    for (const path of ['/api', '/api/nope', '/api/index.html', '/nope', '/..%2fpackage.json', '/%2e%2e/package.json']) {
      const res = await fetch(`${app.url}${path}`);
      expect([path, res.status]).toEqual([path, 404]);
      expect(await res.json()).toMatchObject({ statusCode: 404, error: 'Not Found' });
    }
  });

  it('is served by the built service too (node dist/main.js, from another directory)', async () => {
    const service = await ServiceProcess.start({ ASSISTANT_API: 'local' }, await makeTempDir());
    try {
      const res = await fetch(`${service.url}/`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('<title>Chat demo</title>');
    } finally {
      await service.stop();
    }
  });
});

describe('demo page in Chromium', () => {
  let app: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => browser?.close());
  beforeEach(async () => {
    context = await browser.newContext({
      viewport: { width: 900, height: 900 },
      deviceScaleFactor: 1,
      locale: 'en-US',
      timezoneId: 'UTC',
    });
    page = await context.newPage();
  });
  afterEach(async () => {
    await context?.close();
    await app?.close();
  });

  it('streams an answer, pages through the history after a reload, and starts a new conversation', async () => {
    app = await startTestApp({ ASSISTANT_API: 'local' });
    const { problems, csp } = await watch(context, page);
    await page.goto(`${app.url}/?page_size=3`);
    const userId = await page.inputValue('#user-id');
    expect(userId).toMatch(/^demo-[0-9a-f]{12}$/);
    expect(await page.isHidden('#token-field')).toBe(true);

    // Shift+Enter is a new line, not a send.
    await page.fill('#message', 'line one');
    await page.press('#message', 'Shift+Enter');
    await page.keyboard.type('line two');
    expect(await page.inputValue('#message')).toBe('line one\nline two');
    expect(await page.textContent('#question')).toBe('');

    const seen = await sendByEnter(page, 'hello', 1);
    const final = turnOne('hello');
    expect(seen.at(-1)).toBe(final);
    const partial = seen.slice(0, -1);
    expect(new Set(partial).size).toBeGreaterThanOrEqual(2);
    for (const text of partial) expect(final.startsWith(text) && text.length < final.length).toBe(true);
    expect(await exchanges(page)).toEqual([{ user: 'hello', bot: final }]);
    expect(await page.getAttribute('#answer', 'aria-live')).toBe('polite');

    // Six more exchanges through the API: seven in all, pages of three.
    for (let n = 2; n <= 7; n += 1) {
      const res = await fetch(`${app.url}/api/chat`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ user_id: userId, message: `message ${n}` }),
      });
      expect(res.status).toBe(200);
    }
    await page.reload();
    expect(await page.inputValue('#user-id')).toBe(userId);
    await logLength(page, 3);
    expect((await exchanges(page)).map((e) => e.user)).toEqual(['message 5', 'message 6', 'message 7']);

    // Older pages by keyboard: the button, then the one before; it goes away at the start.
    await page.focus('#older');
    await page.keyboard.press('Enter');
    await logLength(page, 6);
    await page.keyboard.press('Enter');
    await logLength(page, 7);
    const all = await exchanges(page);
    expect(all.map((e) => e.user)).toEqual(['hello', ...[2, 3, 4, 5, 6, 7].map((n) => `message ${n}`)]);
    expect(all[0].bot).toBe(final);
    expect(await page.isHidden('#older')).toBe(true);
    expect(await page.evaluate('document.activeElement.id')).toBe('log-box');

    await page.click('#new-thread');
    await page.locator('#notice', { hasText: 'New conversation started' }).waitFor();
    const fresh = await sendByEnter(page, 'fresh start', 8);
    expect(fresh.at(-1)).toBe(turnOne('fresh start'));
    expect((await exchanges(page)).slice(0, 7)).toEqual(all);
    const history = (await (await fetch(`${app.url}/api/chat/history?user_id=${userId}`)).json()) as { messages: unknown[] };
    expect(history.messages).toHaveLength(8);

    await mkdir(dirname(SCREENSHOT), { recursive: true });
    const picture = await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(picture.length).toBeGreaterThan(10_000);
    expect(await page.textContent('#error')).toBe('');
    expect(await csp()).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('enforces its CSP, so the violation check above can fail', async () => {
    app = await startTestApp({ ASSISTANT_API: 'local' });
    const { problems, csp } = await watch(context, page);
    await page.goto(`${app.url}/`);
    await page.evaluate(`const s = document.createElement('script'); s.textContent = 'window.__ran = true'; document.body.append(s);`);
    await page.waitForFunction(() => (globalThis as unknown as { __csp: string[] }).__csp.length > 0);
    expect(await page.evaluate('window.__ran === true')).toBe(false);
    expect((await csp())[0]).toMatch(/^script-src/);
    expect(problems.join('\n')).toMatch(/Content Security Policy/);
  });

  it('shows errors readably and gives the message back', async () => {
    app = await startTestApp({ ASSISTANT_API: 'local', THROTTLE_LIMIT: '2', MESSAGE_MAX_CHARS: '10' });
    await page.goto(`${app.url}/`); // its history request is the first of two in the budget
    await page.fill('#message', 'far too long');
    await page.press('#message', 'Enter');
    await page.locator('#error', { hasText: '400' }).waitFor();
    expect(await page.textContent('#error')).toMatch(
      /^400 Bad Request: message must be 1 to 10 characters long after trimming\. \(request [\w-]+\)$/,
    );
    expect(await page.inputValue('#message')).toBe('far too long');
    await page.fill('#message', 'short');
    await page.press('#message', 'Enter');
    await page.locator('#error', { hasText: '429' }).waitFor();
    expect(await page.textContent('#error')).toMatch(/^429 Too Many Requests: .+\. Try again in \d+ s\. \(request [\w-]+\)$/);
    expect(await page.textContent('#log')).toBe('');
  });

  it('shows a token field on a Bearer challenge and then sends the token on every call', async () => {
    // The real service in api-key mode: the key's SHA-256 is all it holds.
    const hash = createHash('sha256').update('demo-secret').digest('hex');
    app = await startTestApp({ ASSISTANT_API: 'local', AUTH_MODE: 'api-key', API_KEYS: `demo:${hash}` });
    const { problems } = await watch(context, page);
    const authorized: string[] = [];
    page.on('request', (sent) => {
      if (sent.url().includes('/api/') && sent.headers().authorization === 'Bearer demo-secret') {
        authorized.push(`${sent.method()} ${new URL(sent.url()).pathname}`);
      }
    });
    await page.goto(`${app.url}/`);
    await page.waitForSelector('#token-field', { state: 'visible' });
    expect(await page.textContent('#error')).toMatch(/^401 Unauthorized: .+\. Enter an access token above and press Apply\. \(request [\w-]+\)$/);

    await page.fill('#token', 'demo-secret');
    await page.press('#token', 'Enter');
    await page.locator('#error:empty').waitFor({ state: 'attached' });
    await sendByEnter(page, 'with a token', 1);
    expect((await exchanges(page))[0].bot).toBe(turnOne('with a token'));
    expect(authorized).toEqual(['GET /api/chat/history', 'POST /api/chat/stream']);
    expect(await page.evaluate(`sessionStorage.getItem('chat-demo.token')`)).toBe('demo-secret');
    expect(await page.evaluate('JSON.stringify(localStorage)')).not.toContain('demo-secret');

    // Same tab, reloaded: the token is still there, and so is its field.
    await page.reload();
    await logLength(page, 1);
    expect(await page.isVisible('#token-field')).toBe(true);
    // The only console errors are Chromium's notes on the refused (401) requests.
    expect(problems.filter((problem) => !/status of 401/.test(problem))).toEqual([]);
  });
});
