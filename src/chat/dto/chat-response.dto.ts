import { ApiProperty, ApiSchema } from '@nestjs/swagger';

@ApiSchema({ name: 'ChatResponse' })
export class ChatResponseDto {
  @ApiProperty({ description: "The assistant's answer.", example: 'Hello there! How can I help you today?' })
  answer!: string;

  @ApiProperty({ description: 'The user id sent, or the one the server made (`anon-` + a UUID); send it back to continue.', example: 'user123' })
  user_id!: string;

  @ApiProperty({ description: "The user's upstream conversation (or thread) id.", example: 'conv_68a1f0c2e4b08190' })
  thread_id!: string;
}
