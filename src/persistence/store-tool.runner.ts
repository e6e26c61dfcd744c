import { ConsoleLogger, type INestApplicationContext, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { StartupError } from '../common/errors/startup.error';
import { UsageError } from './errors/usage.error';
import { StoreToolsModule } from './store-tools.module';

/**
 * Runs one command-line tool on the configured stores: opens them as the service
 * does (a database is reached and migrated), runs `work`, closes them (flushing
 * what was written), and exits 0, or 1 with one line saying why.
 */
export function runStoreTool(name: string, work: (app: INestApplicationContext) => Promise<string>): void {
  const logger = new Logger(name);
  const run = async (): Promise<void> => {
    const app = await NestFactory.createApplicationContext(StoreToolsModule.forRoot(), { logger: new ToolLogger(), abortOnError: false });
    try {
      logger.log(await work(app));
    } finally {
      await app.close();
    }
  };
  run().then(
    () => process.exit(0),
    (error: unknown) => {
      const message = error instanceof StartupError || error instanceof UsageError ? error.message : `${name} failed: ${describe(error)}`;
      process.stderr.write(`${message}\n`);
      process.exit(1);
    },
  );
}

/** Nest's console output without its start-up chatter: a tool says what it did (migrations applied, the summary) and what went wrong. */
class ToolLogger extends ConsoleLogger {
  private static readonly QUIET = new Set(['NestFactory', 'InstanceLoader', 'NestApplicationContext']);

  constructor() {
    super({ logLevels: ['fatal', 'error', 'warn', 'log'], colors: false });
  }

  override log(message: unknown, ...rest: unknown[]): void {
    if (ToolLogger.QUIET.has(String(rest[rest.length - 1]))) return;
    super.log(message, ...rest);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
