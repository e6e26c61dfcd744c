/** One parsed Server-Sent Event. */
export interface SseEvent {
  event: string;
  data: unknown;
}

/** Parses a whole `text/event-stream` body. */
export function parseSse(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim().length > 0)
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((line) => line.startsWith('event: '))?.slice(7) ?? 'message';
      const data = lines
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice(6))
        .join('\n');
      return { event, data: JSON.parse(data) as unknown };
    });
}

/** POSTs to the stream route with fetch and returns status, headers and parsed events. */
export async function postStream(url: string, body: unknown, signal?: AbortSignal) {
  const response = await fetch(`${url}/api/chat/stream`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  });
  const text = await response.text();
  const isStream = response.headers.get('content-type')?.startsWith('text/event-stream') ?? false;
  return {
    status: response.status,
    headers: response.headers,
    events: isStream ? parseSse(text) : [],
    json: isStream ? undefined : (JSON.parse(text) as Record<string, unknown>),
  };
}

/** Starts a stream, waits for its first bytes, then disconnects as a client that gives up would. */
export async function abandonStream(url: string, body: unknown): Promise<void> {
  const controller = new AbortController();
  const response = await fetch(`${url}/api/chat/stream`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal: controller.signal,
  });
  await response.body!.getReader().read();
  controller.abort();
}
