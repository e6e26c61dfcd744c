import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 whose open connections can go silent for good, as after
 * a network partition or a failover: no RST, no FIN, nothing passes either way,
 * while new connections go through. A driver cannot tell such a connection from a
 * slow answer; only its own timeouts can.
 */
export class FreezableProxy {
  private readonly pairs = new Set<[Socket, Socket]>();

  private constructor(private readonly server: Server) {}

  static async start(targetPort: number): Promise<FreezableProxy & { port: number }> {
    const server = createServer();
    const proxy = new FreezableProxy(server);
    server.on('connection', (client) => proxy.accept(client, targetPort));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('FreezableProxy: no TCP address');
    return Object.assign(proxy, { port: address.port });
  }

  /** Every connection open now stops passing data, for good. */
  freezeOpenConnections(): void {
    for (const [client, upstream] of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  async stop(): Promise<void> {
    for (const [client, upstream] of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    await new Promise((resolve) => this.server.close(resolve));
  }

  private accept(client: Socket, targetPort: number): void {
    const upstream = connect(targetPort, '127.0.0.1');
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    const drop = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of pair) socket.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
