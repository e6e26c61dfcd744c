import { ApiProperty, ApiSchema } from '@nestjs/swagger';

@ApiSchema({ name: 'Exchange' })
export class ExchangeDto {
  @ApiProperty({ description: 'What the user said.', example: 'Hello!' })
  user!: string;

  @ApiProperty({ description: 'What the assistant answered.', example: 'Hello there!' })
  bot!: string;

  @ApiProperty({ description: 'Unix time in seconds, milliseconds as the fraction.', example: 1696614303.123 })
  timestamp!: number;
}

@ApiSchema({ name: 'HistoryPage' })
export class HistoryResponseDto {
  @ApiProperty({ example: 'user123' })
  user_id!: string;

  @ApiProperty({ type: [ExchangeDto], description: 'The newest `limit` exchanges before the cursor, oldest first.' })
  messages!: ExchangeDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `before` to get the page of older exchanges; null when there are none.',
    example: '101',
  })
  next_before!: string | null;
}
