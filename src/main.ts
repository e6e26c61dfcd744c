import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { StartupError } from './common/errors/startup.error';
import { installGracefulShutdown } from './common/graceful-shutdown';
import { appConfig } from './config/app.config';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(), {
    bodyParser: false,
    // Start-up logs wait for the logger that LOG_LEVEL configures; a failed start prints only our message.
    logger: false,
    bufferLogs: true,
    abortOnError: false,
  });
  const { inFlight } = configureApp(app);
  const { port, shutdownGraceMs } = app.get<ConfigType<typeof appConfig>>(appConfig.KEY);
  const logger = new Logger('Bootstrap');
  installGracefulShutdown(app, inFlight, { graceMs: shutdownGraceMs, logger, exit: (code) => process.exit(code) });
  await app.listen(port);
  const { port: actualPort } = app.getHttpServer().address() as AddressInfo;
  logger.log(`listening on port ${actualPort}; Swagger UI at /api/docs`);
}

bootstrap().catch((error: unknown) => {
  // Problems the operator can fix are one line (or a list) naming variables and paths, never values.
  const message = error instanceof StartupError ? error.message : `Start-up failed: ${describe(error)}`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
});

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
