import { Inject, Injectable, type PipeTransform } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { ErrorCode } from '../common/errors/error-code';
import { ServiceError } from '../common/errors/service.error';
import { appConfig } from '../config/app.config';

/**
 * 1 to MESSAGE_MAX_CHARS characters (code points, so an emoji counts once),
 * after the DTO has trimmed the message. A pipe of the app's own module rather
 * than a class-validator constraint: class-validator's container is
 * process-wide, and two apps in one process must each keep their own limit.
 */
@Injectable()
export class MessageLengthPipe implements PipeTransform<{ message: string }> {
  constructor(@Inject(appConfig.KEY) private readonly app: ConfigType<typeof appConfig>) {}

  transform<T extends { message: string }>(body: T): T {
    const length = codePointLength(body.message);
    if (length < 1 || length > this.app.messageMaxChars) {
      throw new ServiceError(ErrorCode.VALIDATION_FAILED, [`message must be 1 to ${this.app.messageMaxChars} characters long after trimming`]);
    }
    return body;
  }
}

function codePointLength(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}
