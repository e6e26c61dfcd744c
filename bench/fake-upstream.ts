// The fake OpenAI server as a process of its own, so that its CPU is not the load generator's.
// Env: LATENCY_MS (before every answer), RUN_DURATION_MS (assistants runs). Prints "READY <baseURL>".
import { FakeOpenAiServer } from '../test/support/fake-openai.server';

async function main(): Promise<void> {
  const fake = await FakeOpenAiServer.start({ latencyMs: Number(process.env.LATENCY_MS ?? 0) });
  fake.recordRequests = false;
  fake.runDurationMs = Number(process.env.RUN_DURATION_MS ?? 0);
  process.stdout.write(`READY ${fake.baseURL}\n`);
  const stop = (): void => void fake.stop().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void main();
