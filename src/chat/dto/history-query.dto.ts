import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { HISTORY_CURSOR_PATTERN } from './history-cursor';
import { IsUserId, OWN_USER_ID_DESCRIPTION } from './user-id.rule';

export const DEFAULT_HISTORY_LIMIT = 100;
export const MAX_HISTORY_LIMIT = 1000;

export class HistoryQueryDto {
  @IsUserId({ required: false, description: OWN_USER_ID_DESCRIPTION })
  user_id?: string;

  @ApiPropertyOptional({
    description: `How many exchanges, the newest ones (before \`before\`). Default ${DEFAULT_HISTORY_LIMIT}.`,
    minimum: 1,
    maximum: MAX_HISTORY_LIMIT,
    default: DEFAULT_HISTORY_LIMIT,
    type: 'integer',
  })
  @IsOptional()
  // Only plain digits become a number: "1.5", "1e3" and " 7" stay strings and fail as not an integer.
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^\d{1,7}$/.test(value) ? Number(value) : value))
  @IsInt({ message: `limit must be an integer from 1 to ${MAX_HISTORY_LIMIT}` })
  @Min(1, { message: `limit must be an integer from 1 to ${MAX_HISTORY_LIMIT}` })
  @Max(MAX_HISTORY_LIMIT, { message: `limit must be an integer from 1 to ${MAX_HISTORY_LIMIT}` })
  limit?: number;

  @ApiPropertyOptional({
    description: 'An opaque cursor: the `next_before` of the page after the one wanted.',
    example: '101',
    pattern: HISTORY_CURSOR_PATTERN.source,
  })
  @IsOptional()
  @Matches(HISTORY_CURSOR_PATTERN, { message: 'before must be a cursor from next_before' })
  before?: string;
}
