import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { ValidatorConstraint, type ValidatorConstraintInterface } from 'class-validator';
import { appConfig } from '../../config/app.config';

/** 1 to MESSAGE_MAX_CHARS characters (code points, so an emoji counts once). Resolved through Nest's container. */
@ValidatorConstraint({ name: 'messageLength' })
@Injectable()
export class MessageLengthConstraint implements ValidatorConstraintInterface {
  constructor(@Inject(appConfig.KEY) private readonly app: ConfigType<typeof appConfig>) {}

  validate(value: unknown): boolean {
    if (typeof value !== 'string') return false;
    const length = codePointLength(value);
    return length >= 1 && length <= this.app.messageMaxChars;
  }

  defaultMessage(): string {
    return `message must be 1 to ${this.app.messageMaxChars} characters long after trimming`;
  }
}

function codePointLength(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}
