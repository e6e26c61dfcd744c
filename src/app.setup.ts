import { Logger, ValidationPipe } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { HttpErrorFilter } from './common/http-error.filter';
import { applyRequestTimeouts } from './common/http-server';
import { InFlightRequests } from './common/in-flight-requests';
import { jsonBody } from './common/json-body.middleware';
import { securityHeaders } from './common/security-headers';
import { setupSwagger } from './common/swagger.setup';
import { appConfig } from './config/app.config';
import { demoPage } from './demo/demo-page.middleware';
import { AppLogger } from './logging/logging.module';
import { requestLogging } from './logging/request-logging.middleware';
import { httpMetrics } from './metrics/http-metrics.middleware';
import { MetricsService } from './metrics/metrics.service';
import { Logger as PinoNestLogger } from 'nestjs-pino';

const EXPOSED_HEADERS = ['Retry-After', 'X-Request-Id', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'WWW-Authenticate'];

/**
 * Everything about the HTTP edge that main.ts and the end-to-end tests share,
 * so that the tests exercise the application exactly as it runs. Call before `listen`.
 */
export function configureApp(app: NestExpressApplication): { inFlight: InFlightRequests } {
  const http = app.get<ConfigType<typeof appConfig>>(appConfig.KEY);
  app.useLogger(app.get(PinoNestLogger));
  applyRequestTimeouts(app.getHttpServer(), http.httpRequestTimeoutMs);
  // First of all: every request is timed, gets its id and its access line, also those refused before routing.
  const metrics = app.get(MetricsService);
  app.use(httpMetrics(metrics));
  app.use(requestLogging(app.get(AppLogger).pino));

  app.disable('x-powered-by');
  // API answers are never revalidated; Express would otherwise hash every body for an ETag nobody uses.
  app.set('etag', false);
  app.use(securityHeaders());
  // false (the default) means req.ip is the socket's address: X-Forwarded-For is ignored.
  app.set('trust proxy', http.trustProxy);
  if (http.trustProxy === true) {
    new Logger('Bootstrap').warn(
      'TRUST_PROXY=true believes every X-Forwarded-For hop, so any client can pick its own IP and with it its rate-limit budget. ' +
        'Name the proxies instead: a hop count (TRUST_PROXY=1) or their addresses or subnets (TRUST_PROXY=10.0.0.0/8).',
    );
  }

  const inFlight = new InFlightRequests();
  app.use(inFlight.middleware());
  // The demo chat page at / (public, outside /api, behind the same CSP as everything else).
  app.use(demoPage());
  // Before the body parser, so that its 4xx answers reach browsers too.
  app.enableCors({
    origin: http.corsOrigins === '*' ? '*' : [...http.corsOrigins],
    // Bearer tokens and API keys are headers, which need no credentials mode; a listed origin may still send
    // cookies (a page behind a cookie-based gateway), but `*` must never be told credentials are allowed.
    credentials: http.corsOrigins !== '*',
    methods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['Content-Type', 'Authorization', 'X-API-Key', 'X-Request-Id'],
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  });
  app.use(...jsonBody());

  app.setGlobalPrefix('api');
  // One message per field: the first rule it breaks (a string of the wrong type breaks its range too).
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true, stopAtFirstError: true }));
  app.useGlobalFilters(new HttpErrorFilter(metrics));
  setupSwagger(app);
  return { inFlight };
}
