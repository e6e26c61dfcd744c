import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import ts from 'typescript';
import { ErrorCode } from '../src/common/errors/error-code';
import { startTestApp, type TestApp } from './support/test-app';

type Document = {
  paths: Record<string, Record<string, { responses: Record<string, { description: string; content?: Record<string, unknown>; headers?: Record<string, unknown> }> }>>;
  components: { schemas: Record<string, { properties?: Record<string, { enum?: unknown[]; $ref?: string }> }> };
};

/** A small front-end client written against the generated types: the chat call, history paging, errors and stream events. */
const CLIENT = `
import type { components, paths } from './schema';

type ChatRequest = paths['/api/chat']['post']['requestBody']['content']['application/json'];
type ChatResponse = paths['/api/chat']['post']['responses'][200]['content']['application/json'];
type ErrorBody = components['schemas']['ErrorBody'];
type HistoryQuery = NonNullable<paths['/api/chat/history']['get']['parameters']['query']>;
type HistoryPage = paths['/api/chat/history']['get']['responses'][200]['content']['application/json'];
type StreamEvent = paths['/api/chat/stream']['post']['responses'][200]['content']['text/event-stream'];
type Health = paths['/api/health']['get']['responses'][503]['content']['application/json'];

export async function chat(base: string, body: ChatRequest): Promise<ChatResponse> {
  const response = await fetch(base + '/api/chat', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(describeError((await response.json()) as ErrorBody));
  return (await response.json()) as ChatResponse;
}

export async function wholeHistory(base: string, userId: string): Promise<HistoryPage['messages']> {
  const pages: HistoryPage['messages'][] = [];
  let before: string | undefined;
  do {
    const query: HistoryQuery = { user_id: userId, limit: 50, ...(before === undefined ? {} : { before }) };
    const search = new URLSearchParams({ limit: String(query.limit) });
    if (query.user_id !== undefined) search.set('user_id', query.user_id);
    if (query.before !== undefined) search.set('before', query.before);
    const page = (await (await fetch(base + '/api/chat/history?' + search.toString())).json()) as HistoryPage;
    pages.unshift(page.messages);
    before = page.next_before ?? undefined;
  } while (before !== undefined);
  return pages.flat().map((exchange) => ({ user: exchange.user, bot: exchange.bot, timestamp: exchange.timestamp }));
}

export function describeError(error: ErrorBody): string {
  const lines: string[] = typeof error.message === 'string' ? [error.message] : error.message;
  switch (error.code) {
    case 'RATE_LIMITED':
      return 'slow down: ' + lines.join('; ');
    case 'UPSTREAM_TIMEOUT':
      return 'the model took too long (' + error.requestId + ')';
    default:
      return error.statusCode + ' ' + error.error + ': ' + lines.join('; ');
  }
}

export function onEvent(event: StreamEvent, render: (text: string) => void): string | undefined {
  if (event.event === 'delta') render(event.data.text);
  else if (event.event === 'done') return event.data.thread_id;
  else return describeError(event.data);
  return undefined;
}

export function ready(health: Health): boolean {
  return health.status === 'ok' && Object.values(health.checks).every((check) => check.status === 'ok');
}
`;

/** The openapi-typescript CLI, as a front-end team runs it (its CommonJS build cannot load under Jest). */
const OPENAPI_TS = join(__dirname, '..', 'node_modules', 'openapi-typescript', 'bin', 'cli.js');

/** TypeScript's verdict on `files` (name -> source), as readable diagnostics. */
function typeCheck(dir: string, names: string[]): string[] {
  const program = ts.createProgram(
    names.map((name) => join(dir, name)),
    { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], skipLibCheck: true },
  );
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
}

describe('the OpenAPI document', () => {
  let app: TestApp;
  let document: Document;

  beforeAll(async () => {
    app = await startTestApp({ ASSISTANT_API: 'local' });
    document = (await request(app.url).get('/api/docs-json').expect(200)).body as Document;
  });

  afterAll(async () => {
    await app.close();
  });

  it('serves the same document as YAML', async () => {
    const yaml = await request(app.url).get('/api/docs-yaml').expect(200);
    expect(yaml.text).toContain('/api/chat/history:');
  });

  it('documents every route and every status it can answer', () => {
    const statuses = (path: string, method: string): string[] => Object.keys(document.paths[path][method].responses).sort();
    expect(Object.keys(document.paths).sort()).toEqual([
      '/api/chat',
      '/api/chat/history',
      '/api/chat/jobs',
      '/api/chat/jobs/{id}',
      '/api/chat/stream',
      '/api/chat/thread',
      '/api/health',
      '/api/health/live',
    ]);
    const turn = ['200', '400', '401', '403', '408', '413', '415', '429', '502', '503', '504'];
    expect(statuses('/api/chat', 'post')).toEqual(turn);
    expect(statuses('/api/chat/stream', 'post')).toEqual(turn);
    expect(statuses('/api/chat/history', 'get')).toEqual(['200', '400', '401', '403', '429', '503']);
    expect(statuses('/api/chat/history', 'delete')).toEqual(['204', '400', '401', '403', '429', '503']);
    expect(statuses('/api/chat/thread', 'delete')).toEqual(['204', '400', '401', '403', '429', '503']);
    expect(statuses('/api/health', 'get')).toEqual(['200', '503']);
    expect(statuses('/api/chat/jobs', 'post')).toEqual(['202', '400', '401', '403', '408', '413', '415', '429', '503']);
    expect(statuses('/api/chat/jobs/{id}', 'get')).toEqual(['200', '401', '403', '404', '503']);
  });

  it('documents the jobs routes, the webhook payload and its signature scheme', () => {
    const submit = document.paths['/api/chat/jobs'].post.responses;
    expect(submit['202'].headers).toHaveProperty('Location');
    expect(JSON.stringify(submit['202'].content)).toContain('#/components/schemas/ChatJobAccepted');
    expect(JSON.stringify(document.paths['/api/chat/jobs/{id}'].get.responses['200'].content)).toContain('#/components/schemas/ChatJob');
    const payload = document.components.schemas.WebhookPayload as { description?: string; properties?: Record<string, unknown> };
    expect(Object.keys(payload.properties ?? {}).sort()).toEqual(['answer', 'error', 'job_id', 'status', 'thread_id', 'user_id']);
    expect(payload.description).toContain('X-Signature: sha256=HEX');
    expect(payload.description).toContain('X-Webhook-Timestamp');
    const description = (document.paths['/api/chat/jobs'].post as { description?: string }).description ?? '';
    expect(description).toContain('HMAC-SHA256');
    expect(description).toContain('WEBHOOK_ALLOWED_HOSTS');
  });

  it('describes every response, and the headers a client reads', () => {
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        for (const [status, response] of Object.entries(operation.responses)) {
          expect(`${method} ${path} ${status}: ${response.description ?? ''}`).toMatch(/: \S/);
          expect(response.headers).toHaveProperty('X-Request-Id');
        }
      }
    }
    const chat = document.paths['/api/chat'].post.responses;
    expect(Object.keys(chat['429'].headers ?? {})).toEqual(expect.arrayContaining(['Retry-After', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset']));
    expect(chat['503'].headers).toHaveProperty('Retry-After');
    expect(chat['200'].headers).toHaveProperty('X-RateLimit-Remaining');
  });

  it('declares the stream route’s errors as JSON and its events with schemas', () => {
    const stream = document.paths['/api/chat/stream'].post.responses;
    expect(Object.keys(stream['200'].content ?? {})).toEqual(['text/event-stream']);
    for (const status of ['400', '429', '502', '503', '504']) expect(Object.keys(stream[status].content ?? {})).toEqual(['application/json']);
    const events = JSON.stringify(stream['200'].content);
    for (const schema of ['ChatStreamDelta', 'ChatStreamDone', 'ErrorBody']) expect(events).toContain(`#/components/schemas/${schema}`);
  });

  it('gives the error code as an enum of every code the service has', () => {
    expect(document.components.schemas.ErrorBody.properties?.code).toBeDefined();
    expect(JSON.stringify(document.components.schemas)).toContain(JSON.stringify(Object.values(ErrorCode)));
  });

  it('generates types that a small typed client compiles against, and that catch a wrong one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'openapi-client-'));
    try {
      await writeFile(join(dir, 'openapi.json'), JSON.stringify(document));
      await promisify(execFile)(process.execPath, [OPENAPI_TS, join(dir, 'openapi.json'), '--output', join(dir, 'schema.ts')]);
      await writeFile(join(dir, 'client.ts'), CLIENT);
      expect(typeCheck(dir, ['client.ts'])).toEqual([]);

      // The same client with mistakes a front-end team could make: each must be a type error.
      const wrong = CLIENT.replace("case 'RATE_LIMITED':", "case 'RATE_LIMIT':")
        .replace('before = page.next_before ?? undefined;', 'before = page.nextBefore;')
        .replace('event.data.text', 'event.data.answer');
      await writeFile(join(dir, 'wrong-client.ts'), wrong);
      expect(typeCheck(dir, ['wrong-client.ts'])).toHaveLength(3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
