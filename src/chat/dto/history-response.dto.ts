import { ApiProperty } from '@nestjs/swagger';

export class ExchangeDto {
  @ApiProperty({ example: 'Hello!' })
  user!: string;

  @ApiProperty({ example: 'Hello there!' })
  bot!: string;

  @ApiProperty({ description: 'Unix time in seconds, milliseconds as the fraction.', example: 1696614303.123 })
  timestamp!: number;
}

export class HistoryResponseDto {
  @ApiProperty({ example: 'user123' })
  user_id!: string;

  @ApiProperty({ type: [ExchangeDto], description: 'Oldest first.' })
  messages!: ExchangeDto[];
}
