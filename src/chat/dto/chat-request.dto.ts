import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, Validate } from 'class-validator';
import { MessageLengthConstraint } from './message-length.constraint';
import { IsUserId } from './user-id.rule';

export class ChatRequestDto {
  @ApiProperty({
    description: 'What the user says. Trimmed; then 1 to MESSAGE_MAX_CHARS (default 8000) characters.',
    example: 'Hello, how are you?',
    minLength: 1,
  })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString({ message: 'message must be a string' })
  @Validate(MessageLengthConstraint)
  message!: string;

  @IsUserId({ required: false })
  user_id?: string;
}
