import { readFile } from 'node:fs/promises';
import { type IncomingHttpHeaders, request as httpRequest, STATUS_CODES } from 'node:http';
import fc from 'fast-check';
import { startTestApp, type TestApp } from './support/test-app';

/*
 * Bad input fuzzing: random and malformed bodies, content types, query strings,
 * huge and deeply nested JSON and invalid UTF-8 on every route. Never a 5xx,
 * never a hang, never a crash, and the conversation log gains exactly the
 * exchanges that were answered 200. Every property is seeded: a failure prints
 * its seed and counterexample; replay it with FUZZ_SEED=<seed>.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 20250611);
const BODY_LIMIT = 64 * 1024;
const MESSAGE_MAX_CHARS = 8000;
const USER_ID = /^[A-Za-z0-9._:@-]{1,128}$/;
const REQUEST_TIMEOUT_MS = 10_000;
const chatPaths = ['/api/chat', '/api/chat/stream'];
/** Streams of the local assistant emit a word every 15 ms: valid streamed bodies are kept short. */
const MAX_STREAMED_WORDS = 40;

// One seed for every property, so that the seed fast-check prints is the FUZZ_SEED that replays it.
const fuzz = (numRuns: number) => ({ seed: SEED, numRuns });

// ---------------------------------------------------------------------------
// Raw HTTP: node:http with exactly the headers and bytes given.

type Framing = 'exact' | 'chunked' | { lie: number };

interface RawRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** How the body is delimited: its true Content-Length, chunked, or a Content-Length shorter than the body. */
  framing?: Framing;
}

type Outcome =
  | { kind: 'response'; status: number; headers: IncomingHttpHeaders; body: Buffer }
  | { kind: 'closed'; error: string }
  | { kind: 'hung' };

const hung: string[] = [];

function describeRequest(req: RawRequest): string {
  const framing = typeof req.framing === 'object' ? `lie:${req.framing.lie}` : (req.framing ?? 'exact');
  return `${req.method} ${req.path} ${JSON.stringify(req.headers ?? {})} ${req.body?.length ?? 'no'} bytes (${framing})`;
}

function send(app: TestApp, req: RawRequest): Promise<Outcome> {
  const { hostname, port } = new URL(app.url);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: Outcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (outcome.kind === 'hung') hung.push(describeRequest(req));
      resolve(outcome);
    };
    const headers: Record<string, string> = { ...req.headers };
    if (req.body !== undefined) {
      if (req.framing === 'chunked') headers['Transfer-Encoding'] = 'chunked';
      else headers['Content-Length'] = String(typeof req.framing === 'object' ? req.framing.lie : req.body.length);
    }
    const outgoing = httpRequest({ host: hostname, port: Number(port), method: req.method, path: req.path, headers, agent: false });
    const timer = setTimeout(() => {
      finish({ kind: 'hung' });
      outgoing.destroy();
    }, REQUEST_TIMEOUT_MS);
    outgoing.on('error', (error) => finish({ kind: 'closed', error: error.message }));
    outgoing.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (error) => finish({ kind: 'closed', error: error.message }));
      res.on('end', () => finish({ kind: 'response', status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('close', () => {
        if (!res.complete) finish({ kind: 'closed', error: 'response cut short' });
      });
    });
    if (req.body !== undefined && req.body.length > 0) outgoing.write(req.body);
    outgoing.end();
  });
}

function postJson(app: TestApp, path: string, text: string | Buffer): Promise<Outcome> {
  const body = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  return send(app, { method: 'POST', path, headers: { 'Content-Type': 'application/json' }, body });
}

function asResponse(outcome: Outcome): Extract<Outcome, { kind: 'response' }> {
  if (outcome.kind !== 'response') throw new Error(`no response: ${outcome.kind === 'closed' ? outcome.error : 'hung'}`);
  return outcome;
}

// ---------------------------------------------------------------------------
// Expectations written from the contract.

type Response = Extract<Outcome, { kind: 'response' }>;

function expectErrorShape(res: Response): void {
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = JSON.parse(res.body.toString('utf8')) as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(['code', 'error', 'message', 'requestId', 'statusCode']);
  expect(body.statusCode).toBe(res.status);
  expect(body.error).toBe(STATUS_CODES[res.status]);
  const message = body.message;
  expect(typeof message === 'string' || (Array.isArray(message) && message.every((m) => typeof m === 'string'))).toBe(true);
  expect(body.code).toMatch(/^[A-Z][A-Z0-9_]*$/);
  expect(typeof body.requestId).toBe('string');
  expect(body.requestId).toBe(res.headers['x-request-id']);
  expect(res.body.toString('utf8')).not.toMatch(/\n\s+at /); // no stack traces
}

/** The contract's body rule: a JSON object of `message` (1..8000 code points after trim) and optional `user_id`, nothing else. */
function isValidChatBody(value: unknown): value is { message: string; user_id?: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  if (keys.some((key) => key !== 'message' && key !== 'user_id')) return false;
  const { message, user_id: userId } = value as Record<string, unknown>;
  if (typeof message !== 'string') return false;
  const length = [...message.trim()].length;
  if (length < 1 || length > MESSAGE_MAX_CHARS) return false;
  if (keys.includes('user_id') && (typeof userId !== 'string' || !USER_ID.test(userId))) return false;
  return true;
}

interface SseEvent {
  event: string;
  data: unknown;
}

function parseSse(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      let event = 'message';
      let data: unknown;
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice('event: '.length);
        if (line.startsWith('data: ')) data = JSON.parse(line.slice('data: '.length));
      }
      return { event, data };
    });
}

// ---------------------------------------------------------------------------
// The expected conversation log: the pre-fuzz snapshot plus every exchange answered 200.

interface LoggedExchange {
  /** Undefined when the test cannot tell what the server decoded (a body in another charset, say). */
  user?: string;
  bot: string;
  /** Known (and compared exactly) for the snapshot's entries. */
  timestamp?: number;
}

const model = new Map<string, LoggedExchange[]>();

function record(userId: string, user: string | undefined, bot: string): void {
  const list = model.get(userId) ?? [];
  list.push({ user, bot });
  model.set(userId, list);
}

function whitespaceCount(text: string): number {
  return (text.match(/\s/gu) ?? []).length;
}

/** Whether a streamed answer (the fixed text, this message and the thread's previous one) stays short. */
function streamIsQuick(userId: string | undefined, message: string): boolean {
  const previous = userId === undefined ? undefined : model.get(userId)?.at(-1);
  if (previous !== undefined && previous.user === undefined) return false;
  return 15 + whitespaceCount(message) + whitespaceCount(previous?.user ?? '') <= MAX_STREAMED_WORDS;
}

/**
 * Checks a 200 of a chat route and records the exchange. `sent` is what the
 * test knows it sent (undefined when the server's decoding is not predictable).
 */
function acceptChat200(path: string, res: Response, sent: { message?: string; userId?: string } | undefined): void {
  let reply: Record<string, unknown>;
  if (path === '/api/chat/stream') {
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    const events = parseSse(res.body.toString('utf8'));
    expect(events.map((e) => e.event).filter((name) => name !== 'delta')).toEqual(['done']);
    const { timing, ...done } = events.at(-1)!.data as Record<string, unknown>;
    expect(timing).toEqual({ upstream_ms: expect.any(Number), app_ms: expect.any(Number) });
    reply = done;
    const streamed = events.filter((e) => e.event === 'delta').map((e) => (e.data as { text: string }).text);
    expect(streamed.join('')).toBe(reply.answer);
  } else {
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    reply = JSON.parse(res.body.toString('utf8')) as Record<string, unknown>;
  }
  expect(Object.keys(reply).sort()).toEqual(['answer', 'thread_id', 'user_id']);
  expect(typeof reply.answer).toBe('string');
  expect(reply.thread_id).toMatch(/^local_/);
  const trimmed = sent?.message?.trim();
  if (sent?.userId !== undefined) expect(reply.user_id).toBe(sent.userId);
  else if (sent !== undefined) expect(reply.user_id).toMatch(/^anon-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  else expect(reply.user_id).toMatch(USER_ID);
  if (trimmed !== undefined) expect(reply.answer as string).toContain(`You said: "${trimmed}"`);
  record(reply.user_id as string, trimmed, reply.answer as string);
}

async function readLog(app: TestApp): Promise<Map<string, unknown>> {
  // Object.entries keeps keys such as "__proto__" that JSON.parse makes own properties.
  return new Map(Object.entries(JSON.parse(await readFile(app.logPath, 'utf8')) as Record<string, unknown>));
}

async function expectLogMatchesModel(app: TestApp): Promise<void> {
  const actual = await readLog(app);
  expect([...actual.keys()].sort()).toEqual([...model.keys()].sort());
  for (const [userId, expected] of model) {
    const entries = actual.get(userId) as Array<Record<string, unknown>>;
    expect({ userId, length: entries.length }).toEqual({ userId, length: expected.length });
    expected.forEach((exchange, i) => {
      const entry = entries[i];
      expect(Object.keys(entry).sort()).toEqual(['bot', 'timestamp', 'user']);
      expect(entry.bot).toBe(exchange.bot);
      if (exchange.user !== undefined) expect(entry.user).toBe(exchange.user);
      else expect(typeof entry.user).toBe('string');
      if (exchange.timestamp !== undefined) expect(entry.timestamp).toBe(exchange.timestamp);
      else expect(typeof entry.timestamp).toBe('number');
    });
  }
}

// ---------------------------------------------------------------------------
// Arbitraries.

const WHITESPACE = [' ', '\t', '\n', '\r', '\u000b', '\u00a0', '\u2028', '\ufeff', '\u3000'];
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));
const controlChar = fc.oneof(fc.integer({ min: 0, max: 0x1f }), fc.constant(0x7f), fc.constant(0x85)).map((c) => String.fromCharCode(c));
const oddChar = fc.oneof(
  loneSurrogate,
  controlChar,
  fc.constantFrom(...WHITESPACE),
  fc.constantFrom('"', '\\', '/', '😀', '€', 'é', 'e\u0301', '\u200b', '\u202e', '<script>', '${x}', '%s', '\\u0000'),
);
const textUnit = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...'abcxyz .,!?-') },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: oddChar },
);
const shortText = fc.string({ unit: textUnit, maxLength: 40 });
/** Long strings around the 8000 code point and 64 KiB limits (up to ~70 KB of JSON). */
const longText = fc
  .tuple(
    fc.constantFrom('x', '€', '😀', '\ud800', '\\', '"', '\u0001', ' ', 'é'),
    fc.constantFrom(1, 7999, 8000, 8001, 10_000, 16_000, 21_000, 22_000, 32_768, 70_000),
    fc.constantFrom('', ' ', '  \n', '\ufeff', '\u00a0'),
    fc.constantFrom('', ' ', '\t', '\u3000'),
  )
  .map(([unit, count, before, after]) => before + unit.repeat(count) + after);
const messageText = fc.oneof(
  { weight: 6, arbitrary: shortText },
  { weight: 2, arbitrary: longText },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '\t\n', '\ufeff', '\u00a0x\u00a0', '\u0000', '\ud800') },
);
const validUserId = fc.oneof(
  fc.constantFrom('alice', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', 'a.b_c:d@e-', 'x'.repeat(128), '-', '.', '..', '@', '0'),
  fc.stringMatching(/^[A-Za-z0-9._:@-]{1,12}$/),
  fc.stringMatching(/^[A-Za-z0-9._:@-]{100,128}$/),
);
const invalidUserIdText = fc.oneof(
  fc.constantFrom('', 'x'.repeat(129), 'a b', 'a/b', 'ü', 'a\u0000', 'alice\n', ' alice', 'alice ', '😀', 'a%20b', '../etc', 'a\ud800'),
  fc.string({ unit: textUnit, maxLength: 140 }).filter((text) => !USER_ID.test(text)),
);
const wrongType = fc.oneof(
  fc.constant(null),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
  fc.constant(['hi']),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
);
/**
 * Random extra keys. Keys named like Object.prototype members ("__proto__", "toString", ...) have their own
 * test below, so that a failure there does not hide what else property 1 would find.
 */
const PROTOTYPE_KEYS = [...Object.getOwnPropertyNames(Object.prototype), 'prototype'];
const oddKey = fc.oneof(
  fc.string({ maxLength: 10 }).filter((key) => !PROTOTYPE_KEYS.includes(key)),
  fc.constantFrom('Message', 'MESSAGE', 'userId', 'user_id ', ' message', 'message\u0000', '', 'user', 'bot', 'thread_id'),
);
/** A position in [0, 1], uniform rather than biased towards the ends. */
const fraction = fc.noBias(fc.integer({ min: 0, max: 1000 })).map((n) => n / 1000);
/** Objects close to a chat body: the two fields right, wrong or missing, sometimes with more keys. */
const chatLikeObject = fc
  .record({
    message: fc.option(fc.oneof({ weight: 5, arbitrary: messageText }, { weight: 1, arbitrary: wrongType }), { nil: undefined, freq: 8 }),
    userId: fc.option(
      fc.oneof({ weight: 3, arbitrary: validUserId }, { weight: 2, arbitrary: invalidUserIdText }, { weight: 1, arbitrary: wrongType }),
      { nil: undefined, freq: 3 },
    ),
    extra: fc.oneof(
      { weight: 6, arbitrary: fc.constant([] as Array<[string, unknown]>) },
      { weight: 1, arbitrary: fc.array(fc.tuple(oddKey, fc.jsonValue({ maxDepth: 2 })), { minLength: 1, maxLength: 3 }) },
    ),
  })
  .map(({ message, userId, extra }) =>
    // Object.fromEntries makes "__proto__" an own property, which JSON.stringify then sends.
    Object.fromEntries([
      ...(message === undefined ? [] : [['message', message]]),
      ...(userId === undefined ? [] : [['user_id', userId]]),
      ...extra.filter(([key]) => key !== 'message' && key !== 'user_id'),
    ]) as unknown,
  );
const jsonBodyValue = fc.oneof(
  { weight: 8, arbitrary: chatLikeObject },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: chatLikeObject.map((value) => [value]) },
);

// Raw bodies.
const TEMPLATES = [
  '{"message":"hi"}',
  '{"message":"hi","user_id":"raw-user"}',
  '{"message":"hi there","user_id":"__proto__"}',
  '{"message":',
  '{',
  '[',
  '"',
  'null',
  'true',
  '42',
  '"hi"',
  '{"message":"\\ud800"}',
  '{"message":"\\u00"}',
  '{"message":"a\u0000b"}',
  '{"message":"hi",}',
  "{'message':'hi'}",
  '{"message":"hi"}{"message":"hi"}',
  '{"message":"hi"} x',
  '{"message":"hi","message":"twice"}',
  '{"__proto__":{"message":"hi"}}',
  '{"message":"hi","__proto__":{"admin":true}}',
  '{"constructor":{"prototype":{"x":1}},"message":"hi"}',
  'message=hi&user_id=raw-user',
  '--xyz\r\nContent-Disposition: form-data; name="message"\r\n\r\nhi\r\n--xyz--\r\n',
  '',
];
const INVALID_UTF8 = [[0xff], [0xfe], [0xc3, 0x28], [0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0x80], [0xf0, 0x9f, 0x98]];
type Mutation =
  | { kind: 'insert'; at: number; bytes: number[] }
  | { kind: 'truncate'; at: number }
  | { kind: 'utf16le' }
  | { kind: 'utf16be' };
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fraction, bytes: fc.constantFrom(...INVALID_UTF8) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.constant(0), bytes: fc.constantFrom<number[]>([0xef, 0xbb, 0xbf], [0xff, 0xfe], [0xfe, 0xff]) }),
  fc.record({ kind: fc.constant('insert' as const), at: fraction, bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fraction }),
  fc.constant({ kind: 'utf16le' as const }),
  fc.constant({ kind: 'utf16be' as const }),
);

function mutate(bytes: Buffer, change: Mutation): Buffer {
  switch (change.kind) {
    case 'insert': {
      const at = Math.floor(change.at * bytes.length);
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(change.bytes), bytes.subarray(at)]);
    }
    case 'truncate':
      return bytes.subarray(0, Math.floor(change.at * bytes.length));
    case 'utf16le':
      return Buffer.from(bytes.toString('utf8'), 'utf16le');
    case 'utf16be':
      return Buffer.from(bytes.toString('utf8'), 'utf16le').swap16();
  }
}

const rawBody = fc.oneof(
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 512 }).map((array) => Buffer.from(array)) },
  {
    weight: 5,
    arbitrary: fc
      .tuple(fc.constantFrom(...TEMPLATES), fc.array(mutation, { maxLength: 3 }))
      .map(([template, changes]) => changes.reduce(mutate, Buffer.from(template, 'utf8'))),
  },
  { weight: 1, arbitrary: fc.jsonValue().map((value) => Buffer.from(JSON.stringify(value) ?? '', 'utf8')) },
);
const printable = fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code));
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=UTF-8',
  'application/json; charset=latin1',
  'application/json; charset=iso-8859-1',
  'application/json; charset=utf-16',
  'application/json;charset=utf-16le',
  'application/json; charset=utf-32',
  'application/json; charset=bogus',
  'application/json; charset=',
  'application/json; charset="utf-8"',
  'APPLICATION/JSON',
  'application/json, text/plain',
  'application/problem+json',
  'application/vnd.api+json',
  'text/plain',
  'text/json',
  'text/html; charset=utf-8',
  'multipart/form-data',
  'multipart/form-data; boundary=xyz',
  'application/x-www-form-urlencoded',
  'application/octet-stream',
  '*/*',
  'application/*',
  'application',
  '/',
  ';',
  '',
];
const contentType = fc.oneof(
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 6, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
  { weight: 2, arbitrary: fc.string({ unit: printable, maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: printable, maxLength: 20 }).map((tail) => `application/json;${tail}`) },
);
const ROUTES: Array<[string, string]> = [
  ['POST', '/api/chat'],
  ['POST', '/api/chat/stream'],
  ['GET', '/api/chat/history?user_id=raw-user'],
  ['DELETE', '/api/chat/thread?user_id=raw-fuzz'],
  ['GET', '/api/health'],
  ['GET', '/api/docs-json'],
  ['GET', '/api/nope'],
];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'];
const PATHS = [
  '/api/chat',
  '/api/chat/stream',
  '/api/chat/history',
  '/api/chat/history?user_id=raw-user',
  '/api/chat/history?user_id=%ZZ',
  '/api/chat/thread?user_id=raw-fuzz',
  '/api/chat/thread',
  '/api/health',
  '/api/docs-json',
  '/api/docs',
  '/api/nope',
  '/api/chat/%ZZ',
  '/api/chat/stream/extra',
  '/nope',
  '/',
  '//api//chat',
  '/api/chat?user_id=x',
];
const route = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...ROUTES) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...METHODS), fc.constantFrom(...PATHS)) },
);

function isJsonType(type: string | undefined): boolean {
  const media = type?.split(';')[0].trim().toLowerCase();
  return media === 'application/json' || /^application\/[^/]*\+json$/.test(media ?? '');
}

/** Every object a server could decode from these bytes, under any charset it might pick. */
function decodedObjects(bytes: Buffer): unknown[] {
  const even = Buffer.concat([bytes, Buffer.alloc(bytes.length % 2)]);
  const candidates = [bytes.toString('utf8'), bytes.toString('utf16le'), even.swap16().toString('utf16le'), bytes.toString('latin1')];
  const objects: unknown[] = [];
  for (const candidate of candidates) {
    try {
      const value: unknown = JSON.parse(candidate.replace(/^\ufeff/, ''));
      if (typeof value === 'object' && value !== null) objects.push(value);
    } catch {
      // not JSON under this charset
    }
  }
  return objects;
}

function isValidUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** What the test knows the server decoded from a UTF-8 JSON body, when it can tell. */
function sentChatBody(bytes: Buffer, type: string | undefined): { message?: string; userId?: string } | undefined {
  const charset = /charset=("?)([^";]*)\1/i.exec(type ?? '')?.[2]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8') return undefined;
  if (!isValidUtf8(bytes)) return undefined;
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8').replace(/^\ufeff/, ''));
    if (!isValidChatBody(value)) return undefined;
    return { message: value.message, userId: value.user_id };
  } catch {
    return undefined;
  }
}

// Query strings.
const QUERY_SAFE = [...'azAZ09._:@-~!$\'()*,;=+%[]/?'];
function percentEncodeBytes(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');
}
function encodeQueryValue(text: string): string {
  // encodeURIComponent throws on lone surrogates; Buffer turns them into U+FFFD like a browser would.
  return [...text].map((char) => (/^[A-Za-z0-9._~-]$/.test(char) ? char : percentEncodeBytes(char))).join('');
}
const queryValue = fc.oneof(
  { weight: 3, arbitrary: validUserId.map(encodeQueryValue) },
  { weight: 1, arbitrary: validUserId.map(percentEncodeBytes) },
  { weight: 2, arbitrary: invalidUserIdText.map(encodeQueryValue) },
  {
    weight: 2,
    arbitrary: fc.constantFrom('', '%ZZ', '%', '%2', '%E0%A4%A', '%FF', '%00', '%C0%AF', '%ED%A0%80', '+', 'a+b', '%20alice', 'alice%0A', '__proto__', 'constructor', 'x'.repeat(129), 'x'.repeat(128), '%2F', 'a%26user_id%3Db'),
  },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...QUERY_SAFE), maxLength: 20 }) },
);
const queryParam = fc.oneof(
  { weight: 6, arbitrary: queryValue.map((value) => `user_id=${value}`) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'user_id',
      'user_id=',
      'user_id[]=x',
      'user_id[]=alice',
      'user_id[a]=b',
      'user_id[0]=alice',
      '__proto__=x',
      '__proto__[user_id]=alice',
      'constructor=y',
      'constructor[prototype][x]=1',
      'USER_ID=alice',
      'user%5Fid=alice',
      'user_id%00=alice',
      '=x',
      '',
      'foo=bar',
      'user_id.x=1',
    ),
  },
);
const queryString = fc.oneof(
  { weight: 3, arbitrary: fc.array(queryParam, { maxLength: 4 }).map((params) => params.join('&')) },
  // One valid user_id, now and then with a harmless-looking extra parameter around it.
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.oneof(validUserId.map(encodeQueryValue), validUserId.map(percentEncodeBytes)), fc.constantFrom('', '&', '&_=1', '&__proto__=x', '&constructor=y'))
      .map(([value, extra]) => `user_id=${value}${extra}`),
  },
);

/** The page a history query asks for, when it passed validation: the newest `limit` (default 100) before the cursor. */
function expectedPage<T>(exchanges: readonly T[], params: URLSearchParams): T[] {
  const limit = Number(params.get('limit') ?? 100);
  const before = params.get('before');
  // The JSON store's cursor is the 1-based position of the oldest exchange of the page after.
  const end = before === null ? exchanges.length : Math.min(Number(before) - 1, exchanges.length);
  return exchanges.slice(Math.max(0, end - limit), end);
}

/** From the contract: exactly one user_id parameter, matching the rule. Other parameters: the contract is silent. */
function queryVerdict(query: string): 'valid' | 'valid-with-extras' | 'invalid' {
  const params = new URLSearchParams(query);
  const ids = params.getAll('user_id');
  if (ids.length !== 1 || !USER_ID.test(ids[0])) return 'invalid';
  return [...params.keys()].some((key) => key !== 'user_id') ? 'valid-with-extras' : 'valid';
}

// ---------------------------------------------------------------------------

describe('bad input (fast-check fuzzing, FUZZ_SEED=' + SEED + ')', () => {
  let app: TestApp;
  let snapshot: Buffer;

  beforeAll(async () => {
    app = await startTestApp({ ASSISTANT_API: 'local', THROTTLE_LIMIT: '1000000' });
    for (const [userId, message] of [
      ['alice', 'Hello'],
      ['alice', 'How are you?'],
      ['bob', 'Hi there'],
    ]) {
      const res = asResponse(await postJson(app, '/api/chat', JSON.stringify({ user_id: userId, message })));
      expect(res.status).toBe(200);
    }
    const streamed = asResponse(await postJson(app, '/api/chat/stream', JSON.stringify({ user_id: 'carol', message: 'Stream me' })));
    expect(streamed.status).toBe(200);
    snapshot = await readFile(app.logPath);
    const parsed = new Map(Object.entries(JSON.parse(snapshot.toString('utf8')) as Record<string, LoggedExchange[]>));
    expect([...parsed.keys()].sort()).toEqual(['alice', 'bob', 'carol']);
    for (const [userId, entries] of parsed) model.set(userId, entries.map(({ user, bot, timestamp }) => ({ user, bot, timestamp })));
  }, 30_000);

  afterAll(async () => {
    await app?.close();
  });

  afterEach(async () => {
    // No request ever hung, and the service still answers after every test.
    expect(hung).toEqual([]);
    expect(asResponse(await send(app, { method: 'GET', path: '/api/health' })).status).toBe(200);
  });

  it('property 1: random JSON bodies on the chat routes get exactly 200, 400 or 413 as the contract says', async () => {
    await fc.assert(
      fc.asyncProperty(jsonBodyValue, fc.constantFrom('/api/chat', '/api/chat/stream'), async (value, chosen) => {
        const text = JSON.stringify(value);
        const bytes = Buffer.from(text, 'utf8');
        const valid = isValidChatBody(value);
        const path = valid && chosen === '/api/chat/stream' && !streamIsQuick(value.user_id, value.message) ? '/api/chat' : chosen;
        const res = asResponse(await postJson(app, path, bytes));
        const expected = bytes.length > BODY_LIMIT ? 413 : valid ? 200 : 400;
        // A 200 is recorded whatever the verdict, so that the log comparison stays exact after a failure.
        if (res.status === 200 && !valid) acceptChat200(path, res, undefined);
        expect({ status: res.status, body: res.status === expected ? '' : res.body.toString('utf8').slice(0, 500) }).toEqual({
          status: expected,
          body: '',
        });
        if (res.status === 200 && valid) acceptChat200(path, res, { message: value.message, userId: value.user_id });
        else expectErrorShape(res);
      }),
      fuzz(150),
    );
    await expectLogMatchesModel(app);
  }, 60_000);

  it('property 1b: unknown fields named like Object.prototype members ("__proto__", "toString", ...) are a 400 like any other', async () => {
    const statuses: Record<string, number> = {};
    for (const [key, path] of [...PROTOTYPE_KEYS, 'admin'].flatMap((name) => chatPaths.map((route) => [name, route] as const))) {
      // Streams answer a word every 15 ms: one case there, all of them on /api/chat.
      const values = path === '/api/chat' ? [{ admin: true }, 1, 'x', null, { user_id: 'smuggled' }] : [{ user_id: 'smuggled' }];
      for (const value of values) {
        const text = `{"message":"hi",${JSON.stringify(key)}:${JSON.stringify(value)}}`;
        const res = asResponse(await postJson(app, path, text));
        statuses[`${path} ${text}`] = res.status;
        if (res.status === 200) acceptChat200(path, res, undefined);
        else expectErrorShape(res);
      }
    }
    expect(statuses).toEqual(Object.fromEntries(Object.keys(statuses).map((k) => [k, 400])));
  });

  it('property 2: raw bytes, any content type and framing, on every route and method: never a 5xx, never a hang', async () => {
    await fc.assert(
      fc.asyncProperty(
        route,
        contentType,
        fc.option(rawBody, { nil: undefined, freq: 8 }),
        fc.oneof(
          { weight: 4, arbitrary: fc.constant('exact' as const) },
          { weight: 2, arbitrary: fc.constant('chunked' as const) },
          { weight: 2, arbitrary: fraction.map((at) => ({ fraction: at })) },
        ),
        async ([method, path], type, body, framingChoice) => {
          let framing: Framing = typeof framingChoice === 'string' ? framingChoice : 'exact';
          if (typeof framingChoice === 'object' && body !== undefined && body.length > 0) {
            const lie = Math.floor(framingChoice.fraction * body.length);
            // A shorter Content-Length makes the rest a second, garbage request on the connection, which the
            // server may answer by closing it. Only do that when the part it reads cannot be a chat body that
            // might be answered (and logged) without the test seeing the 200.
            const chatPost = method === 'POST' && (path === '/api/chat' || path === '/api/chat/stream');
            if (!chatPost || !isJsonType(type) || decodedObjects(body.subarray(0, lie)).length === 0) framing = { lie };
          }
          const headers: Record<string, string> = type === undefined ? {} : { 'Content-Type': type };
          const outcome = await send(app, { method, path, headers, body, framing });
          expect(outcome.kind).not.toBe('hung');
          if (typeof framing === 'object') {
            if (outcome.kind === 'response') expect(outcome.status).toBeLessThan(500);
            return;
          }
          const res = asResponse(outcome);
          expect(res.status < 500 ? 'below 500' : `${res.status} ${res.body.toString('utf8').slice(0, 500)}`).toBe('below 500');
          if (res.status >= 400 && method !== 'HEAD') expectErrorShape(res);
          const chatPost = method === 'POST' && (path === '/api/chat' || path === '/api/chat/stream');
          if (chatPost && res.status === 200) acceptChat200(path, res, body === undefined ? undefined : sentChatBody(body, type));
        },
      ),
      fuzz(400),
    );
    await expectLogMatchesModel(app);
    expect(asResponse(await send(app, { method: 'GET', path: '/api/health' })).status).toBe(200);
  }, 60_000);

  it('property 2b: a JSON chat body that is not valid UTF-8 is rejected with 400, never answered or logged', async () => {
    // Valid bodies with an invalid UTF-8 sequence inside the message text: JSON text must be UTF-8 (RFC 8259),
    // so these are malformed JSON, not a message with U+FFFD in it.
    const templates: Array<[string, string, string]> = [
      ['{"message":"', 'hi', '"}'],
      ['{"user_id":"utf8-user","message":"', 'hello world', '"}'],
      ['{"message":"', 'x', '","user_id":"utf8-user"}'],
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...templates),
        fc.nat(),
        fc.constantFrom(...INVALID_UTF8),
        fc.constantFrom('/api/chat', '/api/chat/stream'),
        fc.constantFrom('application/json', 'application/json; charset=utf-8'),
        async ([head, text, tail], at, invalid, path, type) => {
          const split = at % (text.length + 1);
          const bytes = Buffer.concat([Buffer.from(head + text.slice(0, split)), Buffer.from(invalid), Buffer.from(text.slice(split) + tail)]);
          expect(isValidUtf8(bytes)).toBe(false);
          const res = asResponse(await send(app, { method: 'POST', path, headers: { 'Content-Type': type }, body: bytes }));
          if (res.status === 200) acceptChat200(path, res, undefined);
          expect({ status: res.status, body: res.body.toString('utf8').slice(0, 200) }).toEqual({ status: 400, body: expect.any(String) });
          expectErrorShape(res);
        },
      ),
      fuzz(40),
    );
    await expectLogMatchesModel(app);
  }, 60_000);

  it('property 3: query strings on history and thread: 200/204 only for one valid user_id, else 400', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('history', 'thread'), queryString, async (which, query) => {
        const method = which === 'history' ? 'GET' : 'DELETE';
        const path = `/api/chat/${which}?${query}`;
        const res = asResponse(await send(app, { method, path }));
        const verdict = queryVerdict(query);
        const ok = which === 'history' ? 200 : 204;
        const allowed = verdict === 'invalid' ? [400] : verdict === 'valid' ? [ok] : [ok, 400];
        expect({ query, status: res.status }).toEqual({ query, status: allowed.includes(res.status) ? res.status : allowed[0] });
        if (res.status === 400) return expectErrorShape(res);
        if (which === 'thread') {
          expect(res.body.length).toBe(0);
          return;
        }
        const params = new URLSearchParams(query);
        const userId = params.get('user_id')!;
        const body = JSON.parse(res.body.toString('utf8')) as { user_id: unknown; messages: Array<Record<string, unknown>> };
        expect(Object.keys(body).sort()).toEqual(['messages', 'next_before', 'user_id']);
        expect(body.user_id).toBe(userId);
        const expected = expectedPage(model.get(userId) ?? [], params);
        expect(Array.isArray(body.messages)).toBe(true);
        expect(body.messages.map((m) => m.bot)).toEqual(expected.map((e) => e.bot));
        body.messages.forEach((m, i) => {
          expect(Object.keys(m).sort()).toEqual(['bot', 'timestamp', 'user']);
          if (expected[i].user !== undefined) expect(m.user).toBe(expected[i].user);
          expect(typeof m.timestamp).toBe('number');
        });
      }),
      fuzz(150),
    );
    await expectLogMatchesModel(app);
  }, 60_000);

  const padded = (head: string, size: number): Buffer => Buffer.from(head + ' '.repeat(size - head.length - 1) + '}', 'utf8');
  const nest = (kind: 'array' | 'object', depth: number): string =>
    kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
  /** Every route and an odd method or two, with a JSON body: none may answer 5xx. */
  const everyRoute: Array<[string, string]> = [
    ['POST', '/api/chat'],
    ['POST', '/api/chat/stream'],
    ['GET', '/api/chat/history?user_id=deep'],
    ['DELETE', '/api/chat/thread?user_id=deep'],
    ['GET', '/api/health'],
    ['GET', '/api/docs-json'],
    ['PUT', '/api/chat'],
    ['PATCH', '/api/nope'],
  ];

  it.each(chatPaths)('property 4: %s reads a body of 64 KiB - 1 and of 64 KiB, and answers 413 to 64 KiB + 1', async (path) => {
    const statuses: Record<string, number> = {};
    for (const size of [BODY_LIMIT - 1, BODY_LIMIT]) {
      const body = padded(`{"message":"size ${size}"`, size);
      expect(body.length).toBe(size);
      const res = asResponse(await postJson(app, path, body));
      statuses[`valid, ${size} bytes`] = res.status;
      if (res.status === 200) acceptChat200(path, res, { message: `size ${size}` });
    }
    const over = padded('{"message":"too big"', BODY_LIMIT + 1);
    for (const framing of ['exact', 'chunked'] as const) {
      const res = asResponse(await send(app, { method: 'POST', path, headers: { 'Content-Type': 'application/json' }, body: over, framing }));
      statuses[`valid, ${BODY_LIMIT + 1} bytes, ${framing}`] = res.status;
      if (res.status === 413) expect(JSON.parse(res.body.toString('utf8')).code).toBe('PAYLOAD_TOO_LARGE');
      if (res.status >= 400) expectErrorShape(res);
      if (res.status === 200) acceptChat200(path, res, undefined);
    }
    const garbage = asResponse(await postJson(app, path, Buffer.alloc(BODY_LIMIT + 1, 0xff)));
    statuses[`garbage, ${BODY_LIMIT + 1} bytes`] = garbage.status;
    expectErrorShape(garbage);
    expect(statuses).toEqual({
      [`valid, ${BODY_LIMIT - 1} bytes`]: 200,
      [`valid, ${BODY_LIMIT} bytes`]: 200,
      [`valid, ${BODY_LIMIT + 1} bytes, exact`]: 413,
      [`valid, ${BODY_LIMIT + 1} bytes, chunked`]: 413,
      [`garbage, ${BODY_LIMIT + 1} bytes`]: 413,
    });
  });

  const rejected: Array<[string, string]> = [
    ['an array nested 10 000 deep', nest('array', 10_000)],
    ['an object nested 10 000 deep ({"a":{"a":...}})', nest('object', 10_000)],
    ['a message that is an array nested 9 000 deep', `{"message":${nest('array', 9000)}}`],
    ['a user_id that is an object nested 9 000 deep', `{"message":"hi","user_id":${nest('object', 9000)}}`],
    ['an unknown field nested 9 000 deep', `{"message":"hi","extra":${nest('object', 9000)}}`],
    ['30 000 escaped backslashes (60 KB)', `{"message":"${'\\\\'.repeat(30_000)}"}`],
    ['8 001 escaped backslashes', `{"message":"${'\\\\'.repeat(8001)}"}`],
    ['8 001 \\u0041 escapes', `{"message":"${'\\u0041'.repeat(8001)}"}`],
    ['10 000 escaped lone surrogates', `{"message":"${'\\udc00'.repeat(10_000)}"}`],
  ];

  it.each(rejected)('property 4: %s is a 400 on the chat routes and no 5xx anywhere', async (_name, text) => {
    const body = Buffer.from(text, 'utf8');
    expect(body.length).toBeLessThanOrEqual(BODY_LIMIT);
    const statuses: Record<string, number> = {};
    for (const [method, path] of everyRoute) {
      const res = asResponse(await send(app, { method, path, headers: { 'Content-Type': 'application/json' }, body }));
      statuses[`${method} ${path}`] = res.status;
      if (res.status >= 400) expectErrorShape(res);
      if (res.status === 200 && method === 'POST' && chatPaths.includes(path)) acceptChat200(path, res, undefined);
    }
    const expected = Object.fromEntries(
      everyRoute.map(([method, path]) => {
        const key = `${method} ${path}`;
        const chat = method === 'POST' && chatPaths.includes(path);
        return [key, chat ? 400 : statuses[key] < 500 ? statuses[key] : 'below 500'];
      }),
    );
    expect(statuses).toEqual(expected);
  });

  const accepted: Array<[string, string, string]> = [
    ['8 000 escaped backslashes', `{"message":"${'\\\\'.repeat(8000)}"}`, '\\'.repeat(8000)],
    ['8 000 \\u0041 escapes (48 KB)', `{"message":"${'\\u0041'.repeat(8000)}"}`, 'A'.repeat(8000)],
    ['5 000 escaped surrogate pairs (60 KB)', `{"message":"${'\\ud83d\\ude00'.repeat(5000)}"}`, '😀'.repeat(5000)],
  ];

  it.each(accepted)('property 4: %s, a valid body at the limits, is answered 200 and logged', async (_name, text, message) => {
    for (const path of chatPaths) {
      const res = asResponse(await postJson(app, path, text));
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
      acceptChat200(path, res, { message });
    }
  });

  it('property 4b: JSON nested to any depth, anywhere in the body, is a 400 (413 when over 64 KiB), never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 12_000 }),
        fc.constantFrom('array' as const, 'object' as const),
        fc.constantFrom('top', 'message', 'user_id', 'extra'),
        fc.constantFrom(...chatPaths),
        async (depth, kind, where, path) => {
          const inner = nest(kind, depth);
          const text =
            where === 'top' ? inner : where === 'extra' ? `{"message":"hi","extra":${inner}}` : where === 'user_id' ? `{"message":"hi","user_id":${inner}}` : `{"message":${inner}}`;
          const res = asResponse(await postJson(app, path, text));
          if (res.status === 200) acceptChat200(path, res, undefined);
          const expected = Buffer.byteLength(text) > BODY_LIMIT ? 413 : 400;
          expect({ status: res.status, body: res.status === expected ? '' : res.body.toString('utf8').slice(0, 300) }).toEqual({ status: expected, body: '' });
          expectErrorShape(res);
        },
      ),
      fuzz(40),
    );
  }, 60_000);

  it('property 5: afterwards the service still answers, health is 200, and the log holds exactly the answered exchanges', async () => {
    const res = asResponse(await postJson(app, '/api/chat', JSON.stringify({ user_id: 'after-fuzz', message: 'still there?' })));
    expect(res.status).toBe(200);
    acceptChat200('/api/chat', res, { message: 'still there?', userId: 'after-fuzz' });
    const stream = asResponse(await postJson(app, '/api/chat/stream', JSON.stringify({ message: 'and streaming?' })));
    expect(stream.status).toBe(200);
    acceptChat200('/api/chat/stream', stream, { message: 'and streaming?' });
    const health = asResponse(await send(app, { method: 'GET', path: '/api/health' }));
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body.toString('utf8'))).toMatchObject({ status: 'ok' });
    await expectLogMatchesModel(app);
    // The pre-fuzz log is still there, byte for byte in meaning: its entries are the first of each list.
    const before = JSON.parse(snapshot.toString('utf8')) as Record<string, unknown[]>;
    const after = await readLog(app);
    for (const [userId, entries] of Object.entries(before)) {
      expect((after.get(userId) as unknown[]).slice(0, entries.length)).toEqual(entries);
    }
    expect(hung).toEqual([]);
  });
});
