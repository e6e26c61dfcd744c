// The durable floor: the bare floor (floor-server.ts) plus what the service must also do for
// every answer, the cheapest way it can be done: append the exchange to a file as one JSON
// line and fdatasync it before answering, with group commit (appends that arrive while a
// sync runs share the next one). A new user's conversation id is appended the same way before
// the first answer. Also streams (POST /api/chat/stream) as bare SSE. Env: PORT,
// OPENAI_BASE_URL, OPENAI_API_KEY, LOG_PATH. Prints event-loop delay on request (GET /eld).
import { appendFileSync, closeSync, fdatasync, openSync, writeSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import OpenAI from 'openai';

const client = new OpenAI({ apiKey: process.env.OPENAI_API_KEY ?? 'sk-bench', baseURL: process.env.OPENAI_BASE_URL, maxRetries: 0 });
const conversations = new Map<string, string>();
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();

/** Appends lines to one file; each caller's promise settles once an fdatasync that covers its line is done. */
class GroupCommitLog {
  private readonly fd: number;
  private pending: Array<{ line: string; done: (error?: Error) => void }> = [];
  private syncing = false;

  constructor(path: string) {
    appendFileSync(path, '');
    this.fd = openSync(path, 'a');
  }

  append(record: unknown): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ line: `${JSON.stringify(record)}\n`, done: (error) => (error ? reject(error) : resolve()) });
      if (!this.syncing) this.flush();
    });
  }

  private flush(): void {
    const batch = this.pending;
    if (batch.length === 0) {
      this.syncing = false;
      return;
    }
    this.pending = [];
    this.syncing = true;
    writeSync(this.fd, batch.map((entry) => entry.line).join(''));
    fdatasync(this.fd, (error) => {
      for (const entry of batch) entry.done(error ?? undefined);
      this.flush();
    });
  }

  close(): void {
    closeSync(this.fd);
  }
}

const log = new GroupCommitLog(process.env.LOG_PATH ?? 'exchanges.jsonl');

async function threadOf(userId: string): Promise<string> {
  let threadId = conversations.get(userId);
  if (threadId === undefined) {
    threadId = (await client.conversations.create({})).id;
    conversations.set(userId, threadId);
    await log.append({ user_id: userId, thread_id: threadId });
  }
  return threadId;
}

async function chat(userId: string, message: string, res: ServerResponse): Promise<void> {
  const threadId = await threadOf(userId);
  const response = await client.responses.create({ model: 'gpt-5-mini', conversation: threadId, input: message });
  await log.append({ user_id: userId, user: message, bot: response.output_text, timestamp: Date.now() / 1000 });
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ answer: response.output_text, user_id: userId, thread_id: threadId }));
}

async function stream(userId: string, message: string, res: ServerResponse): Promise<void> {
  const threadId = await threadOf(userId);
  const events = await client.responses.create({ model: 'gpt-5-mini', conversation: threadId, input: message, stream: true });
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
  let answer = '';
  for await (const event of events) {
    if (event.type !== 'response.output_text.delta') continue;
    answer += event.delta;
    res.write(`event: delta\ndata: ${JSON.stringify({ text: event.delta })}\n\n`);
  }
  await log.append({ user_id: userId, user: message, bot: answer, timestamp: Date.now() / 1000 });
  res.end(`event: done\ndata: ${JSON.stringify({ answer, user_id: userId, thread_id: threadId })}\n\n`);
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/eld') {
    res.end(JSON.stringify({ p50: delay.percentile(50) / 1e6, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 }));
    delay.reset();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const { user_id: userId, message } = JSON.parse(Buffer.concat(chunks).toString()) as { user_id: string; message: string };
    const handle = req.url === '/api/chat/stream' ? stream : chat;
    handle(userId, message, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening on port ${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.once('SIGTERM', () => {
  log.close();
  process.exit(0);
});
