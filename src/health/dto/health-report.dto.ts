import { ApiProperty, ApiPropertyOptional, ApiSchema, getSchemaPath } from '@nestjs/swagger';

export const HEALTH_STATUSES = ['ok', 'error'] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

@ApiSchema({ name: 'HealthCheck' })
export class HealthCheckDto {
  @ApiProperty({ enum: HEALTH_STATUSES, enumName: 'HealthStatus', example: 'ok' })
  status!: HealthStatus;

  @ApiPropertyOptional({ description: 'What is wrong, when it is.', example: 'the conversation log cannot be written' })
  message?: string;

  @ApiPropertyOptional({ description: 'The assistant check only: the ASSISTANT_API mode.', example: 'local' })
  mode?: string;
}

@ApiSchema({ name: 'HealthReport' })
export class HealthReportDto {
  @ApiProperty({ enum: HEALTH_STATUSES, enumName: 'HealthStatus', description: '`ok` only when every check is.', example: 'ok' })
  status!: HealthStatus;

  @ApiProperty({
    description: 'One entry per dependency: `assistant` (its configuration), `store`, and `redis` when REDIS_URL is set.',
    type: 'object',
    additionalProperties: { $ref: getSchemaPath(HealthCheckDto) },
    example: { assistant: { status: 'ok', mode: 'local' }, store: { status: 'ok' } },
  })
  checks!: Record<string, HealthCheckDto>;
}

@ApiSchema({ name: 'Liveness' })
export class LivenessDto {
  @ApiProperty({ enum: ['ok'], example: 'ok' })
  status!: 'ok';
}
