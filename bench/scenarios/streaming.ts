import { FakeOpenAiServer } from '../../test/support/fake-openai.server';
import { startService } from '../lib/processes';
import { summarize, type Summary } from '../lib/stats';

export interface StreamingLatency {
  /** Client's first `delta` event minus the moment the fake wrote its first upstream delta, in ms. */
  firstDeltaGap: Summary;
}

/**
 * The fake runs in this process, so its send time and the client's receive time
 * come from one clock. The fake waits `deltaDelayMs` before each delta, so the
 * first one is well clear of the response headers.
 */
export async function measureStreaming(samples: number, deltaDelayMs = 50): Promise<StreamingLatency> {
  const fake = await FakeOpenAiServer.start();
  fake.recordRequests = false;
  fake.streamDeltaDelayMs = deltaDelayMs;
  const service = await startService(fake.baseURL);
  try {
    const gaps: number[] = [];
    await firstDeltaAt(service.address, 'warm-up');
    for (let i = 0; i < samples; i++) {
      const received = await firstDeltaAt(service.address, `stream number ${i} with a few words`);
      const sent = fake.firstDeltaSentAt.at(-1);
      if (sent === undefined) throw new Error('the fake sent no delta');
      gaps.push(received - sent);
    }
    return { firstDeltaGap: summarize(gaps) };
  } finally {
    await service.stop();
    await fake.stop();
  }
}

async function firstDeltaAt(url: string, message: string): Promise<number> {
  const response = await fetch(`${url}/api/chat/stream`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ user_id: 'bench-stream', message }),
  });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  let firstDelta: number | undefined;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
    if (firstDelta === undefined && text.includes('event: delta')) firstDelta = performance.timeOrigin + performance.now();
  }
  if (firstDelta === undefined || !text.includes('event: done')) throw new Error(`stream failed: ${text.slice(0, 300)}`);
  return firstDelta;
}
