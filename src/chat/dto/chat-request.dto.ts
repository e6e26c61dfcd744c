import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString } from 'class-validator';
import { IsUserId } from './user-id.rule';

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
}
