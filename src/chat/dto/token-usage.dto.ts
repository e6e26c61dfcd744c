import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { TokenUsage } from '../../assistant/assistant.port';

@ApiSchema({ name: 'TokenUsage' })
export class TokenUsageDto implements TokenUsage {
  @ApiProperty({ example: 42 })
  input_tokens!: number;

  @ApiProperty({ example: 12 })
  output_tokens!: number;

  @ApiProperty({ example: 54 })
  total_tokens!: number;
}
