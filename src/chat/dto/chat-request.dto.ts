import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsNumber, IsOptional, IsString, Max, Min } from 'class-validator';
import { IsUserId } from './user-id.rule';

export const TEMPERATURE_RANGE = { min: 0, max: 2 } as const;
/** OpenAI's own lower bound for max_output_tokens is 16. */
export const MAX_OUTPUT_TOKENS_RANGE = { min: 16, max: 128_000 } as const;

@ApiSchema({ name: 'ChatRequest' })
export class ChatRequestDto {
  @ApiProperty({
    description: 'What the user says. Trimmed; then 1 to MESSAGE_MAX_CHARS (default 8000) characters (Unicode code points).',
    example: 'Hello, how are you?',
    minLength: 1,
  })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString({ message: 'message must be a string' })
  message!: string;

  @IsUserId({ required: false })
  user_id?: string;

  @ApiPropertyOptional({
    description: 'The model for this turn; one of OPENAI_ALLOWED_MODELS (default: only OPENAI_MODEL). Unset: OPENAI_MODEL.',
    example: 'gpt-5-mini',
  })
  @IsOptional()
  @IsString({ message: 'model must be a string' })
  model?: string;

  @ApiPropertyOptional({
    description: 'Sampling temperature for this turn. Unset: OPENAI_TEMPERATURE, or the model’s default.',
    minimum: TEMPERATURE_RANGE.min,
    maximum: TEMPERATURE_RANGE.max,
    example: 0.7,
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'temperature must be a number from 0 to 2' })
  @Min(TEMPERATURE_RANGE.min, { message: 'temperature must be a number from 0 to 2' })
  @Max(TEMPERATURE_RANGE.max, { message: 'temperature must be a number from 0 to 2' })
  temperature?: number;

  @ApiPropertyOptional({
    description: 'The longest answer for this turn, in tokens. Unset: OPENAI_MAX_OUTPUT_TOKENS, or the model’s limit.',
    minimum: MAX_OUTPUT_TOKENS_RANGE.min,
    maximum: MAX_OUTPUT_TOKENS_RANGE.max,
    example: 512,
    type: 'integer',
  })
  @IsOptional()
  @IsInt({ message: 'max_output_tokens must be an integer from 16 to 128000' })
  @Min(MAX_OUTPUT_TOKENS_RANGE.min, { message: 'max_output_tokens must be an integer from 16 to 128000' })
  @Max(MAX_OUTPUT_TOKENS_RANGE.max, { message: 'max_output_tokens must be an integer from 16 to 128000' })
  max_output_tokens?: number;
}
