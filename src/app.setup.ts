import { ConsoleLogger, ValidationPipe } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { useContainer } from 'class-validator';
import { ChatModule } from './chat/chat.module';
import { MessageLengthConstraint } from './chat/dto/message-length.constraint';
import { HttpErrorFilter } from './common/http-error.filter';
import { InFlightRequests } from './common/in-flight-requests';
import { jsonBody } from './common/json-body.middleware';
import { securityHeaders } from './common/security-headers';
import { nestLogLevels } from './common/log-levels';
import { requestLogger } from './common/request-logger.middleware';
import { setupSwagger } from './common/swagger.setup';
import { appConfig } from './config/app.config';
import { loggingConfig } from './config/logging.config';

const EXPOSED_HEADERS = ['Retry-After', 'X-Request-Id', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'];

/**
 * Everything about the HTTP edge that main.ts and the end-to-end tests share,
 * so that the tests exercise the application exactly as it runs. Call before `init`.
 */
export function configureApp(app: NestExpressApplication): { inFlight: InFlightRequests } {
  const http = app.get<ConfigType<typeof appConfig>>(appConfig.KEY);
  const logging = app.get<ConfigType<typeof loggingConfig>>(loggingConfig.KEY);
  app.useLogger(new ConsoleLogger({ logLevels: nestLogLevels(logging.level), colors: Boolean(process.stdout.isTTY) }));

  app.disable('x-powered-by');
  app.use(securityHeaders());
  // false (the default) means req.ip is the socket's address: X-Forwarded-For is ignored.
  app.set('trust proxy', http.trustProxy);

  const inFlight = new InFlightRequests();
  app.use(inFlight.middleware());
  app.use(requestLogger());
  // Before the body parser, so that its 400s and 413s reach browsers too.
  app.enableCors({
    origin: http.corsOrigins === '*' ? '*' : [...http.corsOrigins],
    methods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['Content-Type', 'Authorization', 'X-Request-Id'],
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  });
  app.use(...jsonBody());

  app.setGlobalPrefix('api');
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.useGlobalFilters(new HttpErrorFilter());
  // The message-length constraint reads the configuration, so class-validator gets it from Nest.
  // Every other class comes from class-validator's own container: Nest's would throw (and
  // capture a stack) for each of them on every request.
  const messageLength = app.select(ChatModule).get(MessageLengthConstraint);
  useContainer({ get: (someClass: unknown) => (someClass === MessageLengthConstraint ? messageLength : undefined) }, { fallback: true });
  setupSwagger(app);
  return { inFlight };
}
