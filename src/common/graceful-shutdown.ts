import type { Server } from 'node:http';
import type { INestApplication, Logger } from '@nestjs/common';
import type { InFlightRequests } from './in-flight-requests';

export interface ShutdownOptions {
  graceMs: number;
  logger: Logger;
  /** Called with the exit code once everything is closed. */
  exit: (code: number) => void;
}

/**
 * On SIGTERM or SIGINT: stop accepting connections, let the requests in flight
 * (streams too) finish within the grace period, close the app (its stores
 * flush on shutdown) and exit 0. Nest's own shutdown hooks would re-raise the
 * signal and exit 143.
 */
export function installGracefulShutdown(app: INestApplication, inFlight: InFlightRequests, options: ShutdownOptions): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    void shutDown(app, inFlight, signal, options);
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

async function shutDown(app: INestApplication, inFlight: InFlightRequests, signal: string, options: ShutdownOptions): Promise<void> {
  const { graceMs, logger, exit } = options;
  const server = app.getHttpServer() as Server;
  server.close();
  // Keep-alive connections that sit idle would hold close() open; busy ones are closed after their response.
  server.closeIdleConnections();
  const dropped = inFlight.dropIncompleteBodies();
  logger.log(
    `${signal}: no new connections; closed ${dropped} request(s) still sending their body; waiting for ${inFlight.size} request(s) in flight (up to ${graceMs} ms)`,
  );
  const drained = await Promise.race([inFlight.idle().then(() => true), delay(graceMs).then(() => false)]);
  if (!drained) logger.warn(`grace period over with ${inFlight.size} request(s) unfinished; closing them`);
  server.closeAllConnections();
  try {
    await app.close();
    logger.log('stores flushed; bye');
    exit(0);
  } catch (error) {
    logger.error(`shutdown failed: ${(error as Error)?.message ?? String(error)}`);
    exit(1);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
