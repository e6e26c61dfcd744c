import { timingSafeEqual } from 'node:crypto';
import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/public.decorator';
import { ErrorCode } from '../common/errors/error-code';
import { ServiceError } from '../common/errors/service.error';
import { metricsConfig } from '../config/metrics.config';
import { MetricsService } from './metrics.service';

/**
 * Prometheus scrapes this. Never rate limited; behind METRICS_TOKEN when that is
 * set. Left out of the OpenAPI document: it is for operators, not API clients.
 */
@ApiExcludeController()
// Its own token, not the API's credentials: Prometheus is not a user.
@Public()
@Controller('metrics')
export class MetricsController {
  private readonly token: Buffer | undefined;

  constructor(
    private readonly metrics: MetricsService,
    @Inject(metricsConfig.KEY) config: ConfigType<typeof metricsConfig>,
  ) {
    this.token = config.token === undefined ? undefined : Buffer.from(config.token);
  }

  @Get()
  async scrape(@Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) res: Response): Promise<string> {
    this.requireToken(authorization);
    res.setHeader('Content-Type', this.metrics.registry.contentType);
    return this.metrics.registry.metrics();
  }

  private requireToken(authorization: string | undefined): void {
    if (this.token === undefined) return;
    const presented = Buffer.from(/^Bearer (.+)$/i.exec(authorization ?? '')?.[1] ?? '');
    if (presented.length === this.token.length && timingSafeEqual(presented, this.token)) return;
    throw new ServiceError(ErrorCode.UNAUTHENTICATED, 'GET /api/metrics needs the metrics token as a bearer token', {
      headers: { 'WWW-Authenticate': authorization === undefined ? 'Bearer' : 'Bearer error="invalid_token"' },
    });
  }
}
