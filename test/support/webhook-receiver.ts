import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Delivery {
  headers: IncomingHttpHeaders;
  /** The raw body, as the signature covers it. */
  body: string;
  receivedAt: number;
  /** What the receiver answered. */
  status: number;
}

/** How far a signed timestamp may be from the receiver's clock, as docs/jobs.md advises. */
const TOLERANCE_SECONDS = 300;

/**
 * What docs/jobs.md tells a receiver to do: recompute the HMAC over the raw
 * body, compare it in constant time, and refuse a stale timestamp.
 */
export function verifySignature(secret: string, headers: IncomingHttpHeaders, rawBody: string, nowSeconds = Date.now() / 1000): boolean {
  const timestamp = String(headers['x-webhook-timestamp'] ?? '');
  const signature = String(headers['x-signature'] ?? '');
  if (!/^\d+$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > TOLERANCE_SECONDS) return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * A webhook receiver on 127.0.0.1 for the tests: records every delivery and
 * answers with the statuses it is given, one per delivery (the last repeats),
 * or not at all (`'hang'`), or with a redirect (`'redirect'`).
 */
export class WebhookReceiver {
  readonly deliveries: Delivery[] = [];
  private answers: Array<number | 'hang'> = [200];
  private readonly hanging = new Set<() => void>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<WebhookReceiver> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const receiver = new WebhookReceiver(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const answer = receiver.answers.length > 1 ? receiver.answers.shift()! : receiver.answers[0];
        const status = answer === 'hang' ? 0 : answer;
        receiver.deliveries.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), receivedAt: Date.now(), status });
        if (answer === 'hang') {
          receiver.hanging.add(() => res.destroy());
          return;
        }
        if (status >= 300 && status < 400) res.setHeader('Location', `http://127.0.0.1:${receiver.port}/moved`);
        res.statusCode = status;
        res.end('{"received":true}');
      });
    });
    return receiver;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** `http://HOST:PORT/hooks` */
  url(host = '127.0.0.1'): string {
    return `http://${host}:${this.port}/hooks`;
  }

  /** The statuses of the next deliveries, in order; the last one is kept for every delivery after. */
  answerWith(...answers: Array<number | 'hang'>): void {
    this.answers = answers;
  }

  async stop(): Promise<void> {
    for (const destroy of this.hanging) destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
