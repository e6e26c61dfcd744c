import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { ChatResponseDto } from './chat-response.dto';

/** The data of a `delta` event: the next piece of the answer. */
@ApiSchema({ name: 'ChatStreamDelta' })
export class ChatStreamDeltaDto {
  @ApiProperty({ description: 'The next piece of the answer; append it to what came before.', example: 'Hel' })
  text!: string;
}

/** What POST /api/chat says in its Server-Timing header; a stream's headers leave too early for it. */
@ApiSchema({ name: 'TurnTiming' })
export class TurnTimingDto {
  @ApiProperty({ description: 'Milliseconds spent waiting for the model.', example: 812.4 })
  upstream_ms!: number;

  @ApiProperty({ description: 'Milliseconds of the service’s own time.', example: 3.1 })
  app_ms!: number;
}

/** The data of the `done` event: the body of POST /api/chat, and the turn's timing. */
@ApiSchema({ name: 'ChatStreamDone' })
export class ChatStreamDoneDto extends ChatResponseDto {
  @ApiProperty({ type: TurnTimingDto })
  timing!: TurnTimingDto;
}
