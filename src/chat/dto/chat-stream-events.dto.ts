import { ApiProperty, ApiSchema } from '@nestjs/swagger';

/** The data of a `delta` event: the next piece of the answer. */
@ApiSchema({ name: 'ChatStreamDelta' })
export class ChatStreamDeltaDto {
  @ApiProperty({ description: 'The next piece of the answer; append it to what came before.', example: 'Hel' })
  text!: string;
}
