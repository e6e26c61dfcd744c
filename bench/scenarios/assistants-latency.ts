import OpenAI from 'openai';
import { startFake, startService } from '../lib/processes';
import { summarize, type Summary } from '../lib/stats';

export interface AssistantsLatency {
  runMs: number;
  /** POST /api/chat on the service in assistants mode (streamed runs). */
  service: Summary;
  /** The naive design: threads.messages.create + runs.createAndPoll with the SDK's default polling. */
  naive: Summary;
}

/** Time to answer with runs that take `runMs` upstream, sequentially, `samples` each. */
export async function measureAssistantsLatency(runMs: number, samples: number, naiveSamples: number): Promise<AssistantsLatency> {
  const fake = await startFake(0, runMs);
  const service = await startService(fake.address, { ASSISTANT_API: 'assistants', OPENAI_ASSISTANT_ID: 'asst_bench' });
  try {
    const serviceTimes: number[] = [];
    await ask(service.address, 'warm-up');
    for (let i = 0; i < samples; i++) {
      const started = performance.now();
      await ask(service.address, `question ${i}`);
      serviceTimes.push(performance.now() - started);
    }

    const client = new OpenAI({ apiKey: 'sk-bench', baseURL: fake.address, maxRetries: 0 });
    const thread = await client.beta.threads.create({});
    const naiveTimes: number[] = [];
    for (let i = 0; i < naiveSamples; i++) {
      const started = performance.now();
      await client.beta.threads.messages.create(thread.id, { role: 'user', content: `question ${i}` });
      const run = await client.beta.threads.runs.createAndPoll(thread.id, { assistant_id: 'asst_bench' });
      const messages = await client.beta.threads.messages.list(thread.id, { order: 'desc', limit: 1, run_id: run.id });
      if (run.status !== 'completed' || messages.data.length === 0) throw new Error(`naive run ended ${run.status}`);
      naiveTimes.push(performance.now() - started);
    }
    return { runMs, service: summarize(serviceTimes), naive: summarize(naiveTimes) };
  } finally {
    await service.stop();
    await fake.stop();
  }
}

async function ask(url: string, message: string): Promise<void> {
  const response = await fetch(`${url}/api/chat`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ user_id: 'bench-assistants', message }),
  });
  if (!response.ok) throw new Error(`service answered ${response.status}: ${await response.text()}`);
  await response.json();
}
