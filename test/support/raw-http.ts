import { connect, type Socket } from 'node:net';

export interface RawExchange {
  /** Everything the server sent before it closed the socket (or before the wait ended). */
  text: string;
  /** Whether the server closed the socket. */
  closed: boolean;
  /** Milliseconds from connecting to the close (or to the end of the wait). */
  ms: number;
}

/**
 * Opens a TCP connection to `url`, writes `bytes` and keeps the socket open
 * without sending more, as a slow or stalled client does; resolves when the
 * server closes it, or after `waitMs`.
 */
export function stallingClient(url: string, bytes: string, waitMs: number): Promise<RawExchange> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const started = Date.now();
    const socket: Socket = connect(Number(port), hostname, () => socket.write(bytes));
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    const finish = (closed: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, closed, ms: Date.now() - started });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on('close', () => finish(true));
    socket.on('error', () => undefined);
  });
}

/** The JSON body of a raw HTTP/1.1 response. */
export function rawJsonBody(text: string): unknown {
  return JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4));
}
