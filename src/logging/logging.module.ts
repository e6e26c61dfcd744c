import { Global, Inject, Injectable, Module, RequestMethod } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';
import { loggingConfig } from '../config/logging.config';
import { createRootLogger } from './root-logger';

/** The app's pino logger, shared by the request middleware and Nest's Logger. */
@Injectable()
export class AppLogger {
  readonly pino: Logger;

  constructor(@Inject(loggingConfig.KEY) config: ConfigType<typeof loggingConfig>) {
    this.pino = createRootLogger(config);
  }
}

@Global()
@Module({ providers: [AppLogger], exports: [AppLogger] })
class AppLoggerModule {}

/**
 * nestjs-pino routes every Nest `Logger` call to pino, inside a request with
 * that request's child logger (so services' and adapters' lines carry its
 * `reqId`). Its own pino-http middleware is not used (`useExisting`): ours runs
 * first of all, so requests refused before routing are logged too.
 */
export const LoggingModule = LoggerModule.forRootAsync({
  imports: [AppLoggerModule],
  inject: [AppLogger],
  useFactory: (logger: AppLogger) => ({
    pinoHttp: { logger: logger.pino },
    useExisting: true,
    // Every route, in the path syntax of Express 5 (the library's default '*' draws a warning).
    forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
  }),
});
