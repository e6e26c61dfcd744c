import { ApiProperty } from '@nestjs/swagger';

/** The data of a `delta` event: the next piece of the answer. */
export class ChatStreamDeltaDto {
  @ApiProperty({ description: 'The next piece of the answer; append it to what came before.', example: 'Hel' })
  text!: string;
}
