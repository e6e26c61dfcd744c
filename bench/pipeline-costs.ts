// npm run bench:pipeline: what each stage of the service's request path costs per turn, in
// microseconds of CPU, measured in this process on the service's own building blocks (the
// same middleware, pipe, stores and SDK the service wires up). Writes
// bench/results/<date>-pipeline.json and .md. The end-to-end CPU per request of the whole
// service against the floors is `npm run bench:profile`.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationPipe } from '@nestjs/common';
import { ThrottlerStorageService } from '@nestjs/throttler';
import type { NextFunction, Request, Response } from 'express';
import OpenAI from 'openai';
import pino from 'pino';
import { ChatRequestDto } from '../src/chat/dto/chat-request.dto';
import { jsonBody } from '../src/common/json-body.middleware';
import { securityHeaders } from '../src/common/security-headers';
import { JsonFileConversationLogStore } from '../src/conversation-log/adapters/json-file-conversation-log.store';
import { requestLogging } from '../src/logging/request-logging.middleware';
import { httpMetrics } from '../src/metrics/http-metrics.middleware';
import { MetricsService } from '../src/metrics/metrics.service';
import { startFake } from './lib/processes';

interface Stage {
  name: string;
  /** Microseconds of CPU (user + system, all threads) per call; for the middleware, net of building the request and response objects. */
  cpuUs: number;
  /** Calls measured. */
  calls: number;
}

type Middleware = (req: Request, res: Response, next: NextFunction) => void;

const BODY = JSON.stringify({ user_id: 'user-42', message: 'What is the capital of France?' });

/** A request as Node's HTTP server hands it over: headers, the body in its stream, a response bound to it. */
function exchange(): { req: Request; res: Response } {
  const socket = new Socket();
  const req = new IncomingMessage(socket) as Request;
  req.method = 'POST';
  req.url = '/api/chat';
  req.headers = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(BODY)), host: '127.0.0.1' };
  req.push(BODY);
  req.push(null);
  const res = new ServerResponse(req) as unknown as Response;
  res.locals = {};
  return { req, res };
}

/** CPU per call: the median of five batches, after a warm-up batch. */
async function measure(name: string, calls: number, once: () => void | Promise<void>): Promise<Stage> {
  const batch = async (): Promise<number> => {
    const start = process.cpuUsage();
    for (let i = 0; i < calls; i += 1) await once();
    const used = process.cpuUsage(start);
    return (used.user + used.system) / calls;
  };
  await batch();
  const batches: number[] = [];
  for (let i = 0; i < 5; i += 1) batches.push(await batch());
  batches.sort((a, b) => a - b);
  return { name, cpuUs: batches[2], calls };
}

const runMiddleware = (middleware: Middleware, req: Request, res: Response): Promise<void> =>
  new Promise((resolve, reject) => middleware(req, res, (error?: unknown) => (error ? reject(error as Error) : resolve())));

async function main(): Promise<void> {
  const stages: Stage[] = [];
  const log = (stage: Stage): void => {
    stages.push(stage);
    process.stdout.write(`${stage.name.padEnd(72)} ${stage.cpuUs.toFixed(1).padStart(8)} µs\n`);
  };
  const sink = pino.destination({ dest: '/dev/null', sync: false });
  const logger = pino({ level: 'info' }, sink);
  const metrics = new MetricsService();

  // The middleware stages below build a request and a response per call, as the HTTP server does; that part is subtracted.
  const objects = await measure('(request and response objects, subtracted below)', 20000, () => void exchange());
  const net = (stage: Stage): Stage => ({ ...stage, cpuUs: Math.max(0, stage.cpuUs - objects.cpuUs) });
  const accessLog = requestLogging(logger) as unknown as Middleware;
  log(
    net(await measure('request id and access line (pino-http, JSON)', 20000, async () => {
      const { req, res } = exchange();
      await runMiddleware(accessLog, req, res);
      res.emit('finish');
    })),
  );
  const timing = httpMetrics(metrics) as Middleware;
  log(
    net(await measure('request duration metric (prom-client histogram)', 20000, async () => {
      const { req, res } = exchange();
      await runMiddleware(timing, req, res);
      res.emit('close');
    })),
  );
  const helmet = securityHeaders() as unknown as Middleware;
  log(
    net(await measure('security headers (helmet)', 20000, async () => {
      const { req, res } = exchange();
      await runMiddleware(helmet, req, res);
    })),
  );
  const [requireJson, parse, checkShape] = jsonBody() as Middleware[];
  log(
    net(await measure('JSON body: content type, parse, shape', 20000, async () => {
      const { req, res } = exchange();
      await runMiddleware(requireJson, req, res);
      await runMiddleware(parse, req, res);
      await runMiddleware(checkShape, req, res);
    })),
  );
  const pipe = new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true, stopAtFirstError: true });
  const body = JSON.parse(BODY) as unknown;
  log(await measure('validation (ValidationPipe: class-transformer + class-validator)', 20000, async () => void (await pipe.transform(body, { type: 'body', metatype: ChatRequestDto }))));
  const throttler = new ThrottlerStorageService();
  let counter = 0;
  log(await measure('rate limit (in-memory throttler storage)', 20000, async () => void (await throttler.increment(`ip-${counter++ % 1000}`, 60000, 1e9, 0, 'default'))));
  throttler.onApplicationShutdown();
  log(
    net(await measure('client-disconnect signal (AbortController + close listener)', 20000, () => {
      const { res } = exchange();
      const controller = new AbortController();
      res.once('close', () => controller.abort());
    })),
  );
  log(
    await measure('turn metrics (gauges, upstream and store histograms, tokens)', 20000, async () => {
      metrics.turnsWaiting.inc();
      metrics.turnsWaiting.dec();
      metrics.turnsInFlight.inc();
      metrics.answered('responses', 'ok', 0.12, { input_tokens: 10, output_tokens: 20, total_tokens: 30 });
      await metrics.storeWriting('conversation_log', () => Promise.resolve());
      metrics.turnsInFlight.dec();
    }),
  );
  log(await measure('SSE delta event encoding', 100000, () => void Buffer.byteLength(`event: delta\ndata: ${JSON.stringify({ text: ' Paris' })}\n\n`)));

  const dir = mkdtempSync(join(tmpdir(), 'pipeline-costs-'));
  try {
    for (const users of [1000, 10000]) {
      const store = new JsonFileConversationLogStore(join(dir, `log-${users}.json`));
      await store.onModuleInit();
      for (let u = 0; u < users; u += 1) await store.importExchanges({ namespace: '', userId: `u${u}` }, [{ user: 'hi', bot: 'hello there', timestamp: 1 + u }]);
      let n = 0;
      log(
        await measure(`JSON log store: one append at c=1, ${users} users (incl. fsync, rename)`, 200, () =>
          store.append({ namespace: '', userId: `u${n++ % users}` }, { user: 'What is the capital of France?', bot: 'Paris.', timestamp: Date.now() / 1000 }),
        ),
      );
      await store.onApplicationShutdown();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const fake = await startFake(0);
  try {
    const client = new OpenAI({ apiKey: 'sk-bench', baseURL: fake.address, maxRetries: 0 });
    const conversation = await client.conversations.create({});
    log(
      await measure('OpenAI SDK: one responses.create (this process only; the fake runs apart)', 500, async () => {
        await client.responses.create({ model: 'gpt-4o-mini', conversation: conversation.id, input: 'What is the capital of France?' });
      }),
    );
  } finally {
    await fake.stop();
  }

  const date = new Date().toISOString();
  const results = join(__dirname, 'results');
  mkdirSync(results, { recursive: true });
  const stamp = `${date.slice(0, 10)}-pipeline`;
  writeFileSync(join(results, `${stamp}.json`), `${JSON.stringify({ date, node: process.version, stages }, null, 2)}\n`);
  const table = ['| stage | CPU per call, µs |', '| --- | --- |', ...stages.map((stage) => `| ${stage.name} | ${stage.cpuUs.toFixed(1)} |`)].join('\n');
  writeFileSync(join(results, `${stamp}.md`), `# Pipeline costs ${date} (Node ${process.version})\n\n${table}\n`);
  process.stdout.write(`wrote bench/results/${stamp}.json and .md\n`);
  sink.flushSync();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
