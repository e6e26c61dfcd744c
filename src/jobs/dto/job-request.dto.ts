import { ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';
import { ChatRequestDto } from '../../chat/dto/chat-request.dto';

@ApiSchema({ name: 'ChatJobRequest' })
export class JobRequestDto extends ChatRequestDto {
  @ApiPropertyOptional({
    description:
      'Where to POST the result when the job finishes (see `WebhookPayload` for the body and its signature). ' +
      'Its host must be in WEBHOOK_ALLOWED_HOSTS (any port); `https://`, or `http://` for a loopback host; no user name or password.',
    example: 'https://hooks.example.com/chat-results',
    maxLength: 2048,
  })
  @IsOptional()
  @IsString({ message: 'callback_url must be a string' })
  callback_url?: string;
}
