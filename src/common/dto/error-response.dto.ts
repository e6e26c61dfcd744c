import { ApiProperty } from '@nestjs/swagger';

export class ErrorResponseDto {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({ description: 'The HTTP reason phrase.', example: 'Bad Request' })
  error!: string;

  @ApiProperty({
    description: 'What went wrong; a list of strings for validation errors.',
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: ['message must be a string'],
  })
  message!: string | string[];

  @ApiProperty({ description: 'A stable machine-readable code.', example: 'VALIDATION_FAILED' })
  code!: string;

  @ApiProperty({ description: 'Also in the X-Request-Id response header; quote it when reporting a problem.', example: 'b7f1c8e2-0d7a-4f5e-9d3c-2a4b6c8d0e1f' })
  requestId!: string;
}
