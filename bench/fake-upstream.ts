// The fake OpenAI server as a process of its own, so that its CPU is not the load generator's.
// Env: LATENCY_MS (before every answer), RUN_DURATION_MS (assistants runs), and for the capacity
// scenario CONVERSATION_DELAY_MS, RESPONSE_DELAY_MS (before a response starts) and STREAM_MS (a
// streamed answer's length; the fake's answer to the bench's messages is 12 words). Prints "READY <baseURL>".
import { FakeOpenAiServer } from '../test/support/fake-openai.server';

/** Words in the fake's answer to the capacity scenario's messages ("Echo 1: " and ten words). */
const ANSWER_WORDS = 12;

async function main(): Promise<void> {
  const fake = await FakeOpenAiServer.start({ latencyMs: Number(process.env.LATENCY_MS ?? 0) });
  fake.recordRequests = false;
  fake.runDurationMs = Number(process.env.RUN_DURATION_MS ?? 0);
  const conversationMs = Number(process.env.CONVERSATION_DELAY_MS ?? 0);
  const responseMs = Number(process.env.RESPONSE_DELAY_MS ?? 0);
  if (conversationMs > 0) fake.inject({ kind: 'delay', route: 'POST /v1/conversations', ms: conversationMs, times: Infinity });
  if (responseMs > 0) fake.inject({ kind: 'delay', route: 'POST /v1/responses', ms: responseMs, times: Infinity });
  fake.streamDeltaDelayMs = Number(process.env.STREAM_MS ?? 0) / ANSWER_WORDS;
  process.stdout.write(`READY ${fake.baseURL}\n`);
  const stop = (): void => void fake.stop().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void main();
