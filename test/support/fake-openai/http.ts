import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Fault, JsonBody, RecordedRequest } from './types';

export function randomId(prefix: string, bytes = 12): string {
  return `${prefix}_${randomBytes(bytes).toString('hex')}`;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Splits text into word-sized chunks that keep their trailing spaces, so the chunks join back to the text. */
export function chunkWords(text: string): string[] {
  return text.match(/^\s+|\S+\s*/g) ?? [];
}

export function openAiError(message: string, type: string, param: string | null = null, code: string | null = null) {
  return { error: { message, type, param, code } };
}

/** Words stand in for tokens, so tests can work usage out from the texts. */
export function wordCount(text: string): number {
  return chunkWords(text).length;
}

/** As the Responses and Assistants APIs answer it (a 400, unlike Chat Completions' 404). */
export function modelNotFound(model: string) {
  return openAiError(`The requested model '${model}' does not exist.`, 'invalid_request_error', 'model', 'model_not_found');
}

/** Every timer the fake starts, so stop() can clear them all. */
export class Timers {
  private readonly pending = new Map<NodeJS.Timeout, () => void>();

  /** Resolves true after ms, or false as soon as the signal aborts or the timers are cleared. */
  sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const settle = (completed: boolean) => {
        clearTimeout(timer);
        this.pending.delete(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(completed);
      };
      const onAbort = () => settle(false);
      const timer = setTimeout(() => settle(true), Math.max(0, ms));
      this.pending.set(timer, () => settle(false));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  clearAll(): void {
    for (const cancel of [...this.pending.values()]) cancel();
  }
}

/** Writes server-sent events; send() resolves once the bytes are handed to the socket (false if it is gone). */
export class SseWriter {
  constructor(private readonly res: ServerResponse) {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    res.flushHeaders();
  }

  get open(): boolean {
    return !this.res.destroyed && !this.res.writableEnded;
  }

  send(event: string, data: unknown): Promise<boolean> {
    const payload = typeof data === 'string' ? data : JSON.stringify(data);
    return this.write(`event: ${event}\ndata: ${payload}\n\n`);
  }

  /** The assistants stream terminator. */
  sendDone(): Promise<boolean> {
    return this.write('event: done\ndata: [DONE]\n\n');
  }

  end(): void {
    if (this.open) this.res.end();
  }

  private write(chunk: string): Promise<boolean> {
    if (!this.open) return Promise.resolve(false);
    return new Promise((resolve) => this.res.write(chunk, (err) => resolve(!err)));
  }
}

/** One request/response pair with the helpers route handlers need. */
export class Exchange {
  params: Record<string, string> = {};
  fault?: Fault;
  private readonly controller = new AbortController();
  private readonly settleHooks: Array<() => void> = [];
  private destroyedByServer = false;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly record: RecordedRequest,
    readonly timers: Timers,
    isStopping: () => boolean,
  ) {
    res.on('close', () => {
      if (!res.writableFinished) {
        if (!this.destroyedByServer && !isStopping()) record.aborted = true;
        this.controller.abort();
      }
      this.settle();
    });
  }

  /** Aborts when the client goes away (or the server stops) before the answer is complete. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get body(): JsonBody {
    const body = this.record.body;
    return body && typeof body === 'object' && !Array.isArray(body) ? body : {};
  }

  /**
   * Runs fn once, synchronously before the final bytes are written (or when the
   * connection closes). In-process clients can send their next request as soon
   * as they read the end, so bookkeeping must not wait for the 'close' event.
   */
  onSettled(fn: () => void): void {
    this.settleHooks.push(fn);
  }

  sleep(ms: number): Promise<boolean> {
    return this.timers.sleep(ms, this.signal);
  }

  json(status: number, body: unknown, headers: Record<string, string> = {}): void {
    if (this.res.destroyed || this.res.headersSent) return;
    this.settle();
    this.res.writeHead(status, { 'content-type': 'application/json', ...headers });
    this.res.end(JSON.stringify(body));
  }

  error(status: number, message: string, type = 'invalid_request_error', param: string | null = null, code: string | null = null): void {
    this.json(status, openAiError(message, type, param, code));
  }

  malformedJson(): void {
    this.settle();
    this.res.writeHead(200, { 'content-type': 'application/json' });
    this.res.end('{"id": "resp_truncated", "object": "respo');
  }

  startSse(): SseWriter {
    return new SseWriter(this.res);
  }

  endSse(sse: SseWriter): void {
    this.settle();
    sse.end();
  }

  /** Drops the connection without (finishing) an answer. Not counted as a client abort. */
  destroy(): void {
    this.destroyedByServer = true;
    this.settle();
    this.req.socket.destroy();
  }

  private settle(): void {
    for (const hook of this.settleHooks.splice(0)) hook();
  }
}

export interface Route {
  method: string;
  /** e.g. '/v1/threads/:id/runs'; ':name' segments become ex.params.name. */
  pattern: string;
  /** Runs as soon as the request arrives, before latency and faults. */
  onArrival?(ex: Exchange): void;
  /** Runs after latency, before faults; answers and returns false to stop the request there. */
  guard?(ex: Exchange): boolean;
  handle(ex: Exchange): void | Promise<void>;
}

export interface ListPage<T> {
  data: T[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}

/** Cursor pagination as the list endpoints do it: order (default desc), limit (default 20), after, before. */
export function pageOf<T extends { id: string }>(all: T[], query: Record<string, string>): ListPage<T> {
  const ordered = query.order === 'asc' ? [...all] : [...all].reverse();
  const limit = Math.min(Math.max(Number(query.limit) || 20, 1), 100);
  const beforeIndex = query.before ? ordered.findIndex((x) => x.id === query.before) : -1;
  const end = beforeIndex >= 0 ? beforeIndex : ordered.length;
  const afterIndex = query.after ? ordered.findIndex((x) => x.id === query.after) : -1;
  const start = afterIndex >= 0 ? afterIndex + 1 : beforeIndex >= 0 ? Math.max(0, end - limit) : 0;
  const data = ordered.slice(start, Math.min(end, start + limit));
  return {
    data,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
    has_more: start + limit < end,
  };
}
