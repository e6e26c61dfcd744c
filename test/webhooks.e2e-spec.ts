import request from 'supertest';
import { pollJob } from './support/job-polling';
import { startTestApp, type TestApp } from './support/test-app';
import { verifySignature, WebhookReceiver } from './support/webhook-receiver';

const SECRET = 'whsec-test-0123456789abcdef0123456789abcdef';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('signed webhooks', () => {
  let receiver: WebhookReceiver;
  let app: TestApp | undefined;

  const boot = async (env: Record<string, string> = {}): Promise<TestApp> => {
    app = await startTestApp({ ASSISTANT_API: 'local', WEBHOOK_SECRET: SECRET, WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', WEBHOOK_RETRY_DELAY_MS: '100', ...env });
    return app;
  };
  const submit = (body: object) => request(app!.url).post('/api/chat/jobs').send({ user_id: 'ann', message: 'Hello', ...body });
  const finished = (id: string) => pollJob(app!.url, id, { until: (job) => job.webhook !== undefined && job.webhook.state !== 'pending' });

  beforeEach(async () => {
    receiver = await WebhookReceiver.start();
  });

  afterEach(async () => {
    await app?.close();
    app = undefined;
    await receiver.stop();
  });

  it('POSTs the result, signed over the timestamp and the raw body, once', async () => {
    await boot();
    const { body } = await submit({ callback_url: receiver.url() }).expect(202);
    const job = await finished(body.job_id);
    expect(job.webhook).toEqual({ state: 'delivered', attempts: 1, last_status: 200, delivered_at: expect.any(Number) });
    expect(receiver.deliveries).toHaveLength(1);

    const [delivery] = receiver.deliveries;
    expect(delivery.headers['content-type']).toBe('application/json');
    expect(delivery.headers['x-webhook-id']).toBe(body.job_id);
    expect(delivery.headers['x-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(Math.abs(Number(delivery.headers['x-webhook-timestamp']) - delivery.receivedAt / 1000)).toBeLessThan(5);
    const { webhook: _state, ...result } = job;
    expect(JSON.parse(delivery.body)).toEqual(result);
    expect(result).toEqual({ job_id: body.job_id, status: 'succeeded', user_id: 'ann', answer: expect.any(String), thread_id: expect.any(String) });

    expect(verifySignature(SECRET, delivery.headers, delivery.body)).toBe(true);
    // What the receiver's check refuses: another secret, a changed body, a replay of old bytes.
    expect(verifySignature(`${SECRET}x`, delivery.headers, delivery.body)).toBe(false);
    expect(verifySignature(SECRET, delivery.headers, delivery.body.replace('succeeded', 'failed'))).toBe(false);
    expect(verifySignature(SECRET, delivery.headers, delivery.body, delivery.receivedAt / 1000 + 3600)).toBe(false);
    await sleep(500);
    expect(receiver.deliveries).toHaveLength(1);
  });

  it('retries after failures with growing waits, and never after the 2xx', async () => {
    await boot();
    receiver.answerWith(500, 500, 200);
    const { body } = await submit({ callback_url: receiver.url() }).expect(202);
    const job = await finished(body.job_id);
    expect(job.webhook).toMatchObject({ state: 'delivered', attempts: 3, last_status: 200 });
    // Several retry periods later, still three.
    await sleep(1000);
    expect(receiver.deliveries.map((delivery) => delivery.status)).toEqual([500, 500, 200]);
    const [first, second, third] = receiver.deliveries.map((delivery) => delivery.receivedAt);
    expect(second - first).toBeGreaterThanOrEqual(100);
    expect(third - second).toBeGreaterThanOrEqual(200);
    // Each attempt is signed afresh, and carries the same result.
    for (const delivery of receiver.deliveries) expect(verifySignature(SECRET, delivery.headers, delivery.body)).toBe(true);
    expect(new Set(receiver.deliveries.map((delivery) => delivery.body)).size).toBe(1);
  });

  it('gives up after WEBHOOK_MAX_ATTEMPTS and says why', async () => {
    await boot({ WEBHOOK_MAX_ATTEMPTS: '3' });
    receiver.answerWith(503);
    const { body } = await submit({ callback_url: receiver.url() }).expect(202);
    const job = await finished(body.job_id);
    expect(job).toMatchObject({ status: 'succeeded', webhook: { state: 'failed', attempts: 3, last_status: 503, last_error: 'the receiver answered 503' } });
    await sleep(800);
    expect(receiver.deliveries).toHaveLength(3);
  });

  it('does not follow a redirect: a 3xx is a failed delivery', async () => {
    await boot({ WEBHOOK_MAX_ATTEMPTS: '1' });
    receiver.answerWith(302);
    const { body } = await submit({ callback_url: receiver.url() }).expect(202);
    expect((await finished(body.job_id)).webhook).toMatchObject({ state: 'failed', attempts: 1, last_status: 302 });
    expect(receiver.deliveries).toHaveLength(1);
  });

  it('counts a receiver that does not answer in time as a failed delivery', async () => {
    await boot({ WEBHOOK_MAX_ATTEMPTS: '1', WEBHOOK_TIMEOUT_MS: '300' });
    receiver.answerWith('hang');
    const { body } = await submit({ callback_url: receiver.url() }).expect(202);
    expect((await finished(body.job_id)).webhook).toMatchObject({ state: 'failed', attempts: 1, last_error: 'no answer within 300 ms' });
  });

  it('sends the result of a failed job too', async () => {
    // An upstream nobody listens at: the turn fails as UPSTREAM_UNREACHABLE.
    await boot({ ASSISTANT_API: 'responses', OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: 'http://127.0.0.1:1/v1', OPENAI_MAX_RETRIES: '0' });
    const { body } = await submit({ callback_url: receiver.url() }).expect(202);
    const job = await finished(body.job_id);
    expect(job).toMatchObject({ status: 'failed', error: { code: 'UPSTREAM_UNREACHABLE' }, webhook: { state: 'delivered' } });
    const { webhook: _state, ...result } = job;
    expect(JSON.parse(receiver.deliveries[0].body)).toEqual(result);
  });

  it.each([
    ['a host that is not listed', 'https://evil.example.com/x', 'names a host that is not in WEBHOOK_ALLOWED_HOSTS'],
    ['the loopback address in another spelling that is not listed', 'http://[::ffff:127.0.0.1]:9/x', 'names a host that is not in WEBHOOK_ALLOWED_HOSTS'],
    ['http:// to a host that is not loopback', 'http://hooks.example.com/x', 'must use https:// (http:// is allowed only for a loopback host)'],
    ['a user name and password', 'https://user:pass@hooks.example.com/x', 'must not carry a user name or password'],
    ['another scheme', 'ftp://hooks.example.com/x', 'must be an absolute http:// or https:// URL'],
    ['a relative URL', '/hooks', 'must be an absolute http:// or https:// URL'],
    ['a URL over 2048 characters', `https://hooks.example.com/${'a'.repeat(2048)}`, 'must be at most 2048 characters long'],
  ])('refuses %s with 400 at submission', async (_name, callbackUrl, rule) => {
    await boot({ WEBHOOK_ALLOWED_HOSTS: '127.0.0.1,hooks.example.com' });
    const response = await submit({ callback_url: callbackUrl }).expect(400);
    expect(response.body).toMatchObject({ code: 'VALIDATION_FAILED', message: [`callback_url ${rule}`] });
  });

  it('refuses every callback_url when no host is allowed', async () => {
    app = await startTestApp({ ASSISTANT_API: 'local' });
    const response = await submit({ callback_url: receiver.url() }).expect(400);
    expect(response.body.message).toEqual(['callback_url cannot be used: this service allows no webhook hosts (WEBHOOK_ALLOWED_HOSTS is empty)']);
    // Without a callback_url, jobs need no webhook settings.
    await submit({}).expect(202);
  });

  it('accepts a listed host in any port and any spelling URL parsing gives the same address', async () => {
    await boot();
    const { body } = await submit({ callback_url: `http://2130706433:${receiver.port}/hooks` }).expect(202);
    expect((await finished(body.job_id)).webhook?.state).toBe('delivered');
  });

  it('never calls a loopback address that only a listed name resolves to: the address itself must be listed', async () => {
    await boot({ WEBHOOK_ALLOWED_HOSTS: 'localhost', WEBHOOK_MAX_ATTEMPTS: '2' });
    const { body } = await submit({ callback_url: receiver.url('localhost') }).expect(202);
    const job = await finished(body.job_id);
    expect(job).toMatchObject({ status: 'succeeded', webhook: { state: 'failed', attempts: 2 } });
    expect(job.webhook?.last_error).toMatch(/^(127\.0\.0\.1|::1) is not a public address and is not itself in WEBHOOK_ALLOWED_HOSTS$/);
    expect(job.webhook?.last_status).toBeUndefined();
    expect(receiver.deliveries).toEqual([]);
    await app!.close();

    // Listing the addresses it resolves to as well lets the same URL through.
    await boot({ WEBHOOK_ALLOWED_HOSTS: 'localhost,127.0.0.1,::1' });
    const again = await submit({ callback_url: receiver.url('localhost') }).expect(202);
    expect((await finished(again.body.job_id)).webhook?.state).toBe('delivered');
    expect(receiver.deliveries).toHaveLength(1);
  });
});
