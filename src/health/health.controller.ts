import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiExtraModels, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/public.decorator';
import { REQUEST_ID_HEADER } from '../common/api-docs';
import { HealthCheckDto, HealthReportDto, LivenessDto } from './dto/health-report.dto';
import { HealthService } from './health.service';

@ApiTags('health')
@ApiExtraModels(HealthCheckDto)
@Controller('health')
@Public()
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @ApiOperation({
    summary: 'Readiness: whether the service can serve',
    description: 'Checks each dependency locally and cheaply (never a call to the model). Never rate limited.',
  })
  @ApiResponse({ status: HttpStatus.OK, description: 'Every dependency is ready', type: HealthReportDto, headers: REQUEST_ID_HEADER })
  @ApiResponse({
    status: HttpStatus.SERVICE_UNAVAILABLE,
    description: 'A dependency is not ready; the report says which (this body, not the error shape)',
    type: HealthReportDto,
    headers: REQUEST_ID_HEADER,
  })
  async readiness(@Res({ passthrough: true }) res: Response): Promise<HealthReportDto> {
    const report = await this.health.report();
    if (report.status !== 'ok') res.status(HttpStatus.SERVICE_UNAVAILABLE);
    return report;
  }

  @Get('live')
  @ApiOperation({ summary: 'Liveness: 200 while the process serves', description: 'Checks nothing else; for liveness probes and load balancers.' })
  @ApiResponse({ status: HttpStatus.OK, description: 'Alive', type: LivenessDto, headers: REQUEST_ID_HEADER })
  live(): LivenessDto {
    return { status: 'ok' };
  }
}
