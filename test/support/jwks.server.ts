import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'jose';

/**
 * An identity provider's key endpoint on 127.0.0.1 (port 0): serves whatever
 * JWKS the test sets, counts the fetches, and can fail on command.
 */
export class JwksServer {
  /** Every GET of the key set, including failed ones. */
  fetches = 0;
  url = '';
  private keys: JWK[] = [];
  private failure: number | undefined;
  private readonly server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    this.fetches++;
    if (this.failure !== undefined) {
      res.writeHead(this.failure, { 'content-type': 'text/plain' }).end('down');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: this.keys }));
  });

  private constructor() {}

  static async start(keys: JWK[] = []): Promise<JwksServer> {
    const instance = new JwksServer();
    instance.setKeys(keys);
    await new Promise<void>((resolve) => instance.server.listen(0, '127.0.0.1', resolve));
    const { port } = instance.server.address() as AddressInfo;
    instance.url = `http://127.0.0.1:${port}/.well-known/jwks.json`;
    return instance;
  }

  /** The key set from the next fetch on: rotation is a new list. */
  setKeys(keys: JWK[]): void {
    this.keys = keys;
  }

  /** Answer every fetch with this status (undefined: serve the keys again). */
  failWith(status: number | undefined): void {
    this.failure = status;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
