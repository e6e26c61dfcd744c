import { ApiProperty } from '@nestjs/swagger';
import { ErrorCode } from './error-code';

/**
 * The one error shape of the API. The renderer builds values of this type and
 * Swagger documents this class, so the two cannot drift apart.
 */
export class ErrorBody {
  @ApiProperty({ description: 'The HTTP status, repeated.', example: 400 })
  statusCode!: number;

  @ApiProperty({ description: 'The HTTP reason phrase.', example: 'Bad Request' })
  error!: string;

  @ApiProperty({
    description: 'What went wrong, safe to show. A list of strings for validation errors (at most 21 entries: past 20, the last says how many more).',
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: ['message must be a string'],
  })
  message!: string | string[];

  @ApiProperty({ description: 'A stable machine-readable code.', enum: ErrorCode, enumName: 'ErrorCode', example: ErrorCode.VALIDATION_FAILED })
  code!: ErrorCode;

  @ApiProperty({
    description: 'Also in the X-Request-Id response header and in the server log; quote it when reporting a problem.',
    example: 'b7f1c8e2-0d7a-4f5e-9d3c-2a4b6c8d0e1f',
  })
  requestId!: string;
}
