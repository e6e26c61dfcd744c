import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import type { Response } from 'express';
import { StoresHealth } from './stores.health';

const example = {
  status: 'ok',
  info: { assistant: { status: 'up', mode: 'local' }, threadStore: { status: 'up' }, conversationLog: { status: 'up' } },
  error: {},
  details: { assistant: { status: 'up', mode: 'local' }, threadStore: { status: 'up' }, conversationLog: { status: 'up' } },
};

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly stores: StoresHealth,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Whether the service can serve: assistant mode and writable stores. Never rate limited.' })
  @ApiResponse({ status: 200, description: 'Ready', schema: { example } })
  @ApiResponse({ status: 503, description: 'A store cannot be written', schema: { example: { ...example, status: 'error' } } })
  async check(@Res({ passthrough: true }) res: Response): Promise<HealthCheckResult> {
    try {
      return await this.health.check([
        () => this.stores.assistantMode(),
        () => this.stores.threadStore(),
        () => this.stores.conversationLog(),
      ]);
    } catch (error) {
      // Terminus reports "down" as an exception; its body is the report, so send it as it is.
      if (!(error instanceof ServiceUnavailableException)) throw error;
      res.status(503);
      return error.getResponse() as HealthCheckResult;
    }
  }
}
