import { Inject, Injectable, type PipeTransform } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { ErrorCode } from '../common/errors/error-code';
import { ServiceError } from '../common/errors/service.error';
import { appConfig } from '../config/app.config';
import { modelsConfig } from '../config/models.config';
import type { ChatRequestDto } from './dto/chat-request.dto';

/**
 * The rules of a chat body that depend on the configuration: the message's
 * length (1 to MESSAGE_MAX_CHARS code points, so an emoji counts once, after
 * the DTO trimmed it) and the allowed models. A pipe of the app's own module,
 * not a class-validator constraint: class-validator's container is
 * process-wide, and two apps in one process must each keep their own rules.
 */
@Injectable()
export class ChatRequestPipe implements PipeTransform<ChatRequestDto> {
  constructor(
    @Inject(appConfig.KEY) private readonly app: ConfigType<typeof appConfig>,
    @Inject(modelsConfig.KEY) private readonly models: ConfigType<typeof modelsConfig>,
  ) {}

  transform(body: ChatRequestDto): ChatRequestDto {
    const problems: string[] = [];
    const length = codePointLength(body.message);
    if (length < 1 || length > this.app.messageMaxChars) problems.push(`message must be 1 to ${this.app.messageMaxChars} characters long after trimming`);
    if (body.model !== undefined && !this.models.allowed.includes(body.model)) problems.push(`model must be one of: ${this.models.allowed.join(', ')}`);
    if (problems.length > 0) throw new ServiceError(ErrorCode.VALIDATION_FAILED, problems);
    return body;
  }
}

function codePointLength(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}
