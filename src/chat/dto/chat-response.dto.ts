import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { TokenUsageDto } from './token-usage.dto';

@ApiSchema({ name: 'ChatResponse' })
export class ChatResponseDto {
  @ApiProperty({ description: "The assistant's answer.", example: 'Hello there! How can I help you today?' })
  answer!: string;

  @ApiProperty({ description: 'The user id sent, or the one the server made (`anon-` + a UUID); send it back to continue.', example: 'user123' })
  user_id!: string;

  @ApiProperty({ description: "The user's upstream conversation (or thread) id.", example: 'conv_68a1f0c2e4b08190' })
  thread_id!: string;

  @ApiPropertyOptional({ type: TokenUsageDto, description: 'What the turn cost, when the upstream reported it (the local assistant does not).' })
  usage?: TokenUsageDto;
}
