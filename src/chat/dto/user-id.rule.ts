import { applyDecorators } from '@nestjs/common';
import { ApiProperty, type ApiPropertyOptions } from '@nestjs/swagger';
import { IsString, Matches, ValidateIf } from 'class-validator';

export const USER_ID_PATTERN = /^[A-Za-z0-9._:@-]{1,128}$/;
export const USER_ID_TYPE_MESSAGE = 'user_id must be a string';
export const USER_ID_PATTERN_MESSAGE = 'user_id must be 1 to 128 characters of A-Z a-z 0-9 . _ : @ -';

/** What a route that acts on an existing user says about its `user_id`: with a token, the token names the user. */
export const OWN_USER_ID_DESCRIPTION =
  "The user whose conversation is meant. Required unless AUTH_MODE=jwt, where it defaults to the token's user and, if given, must be that user (else 403).";

/**
 * A user id: 1 to 128 of `A-Z a-z 0-9 . _ : @ -`. Optional means absent; `null` is still a wrong type.
 * Whether an absent one is an error depends on the credentials, so the caller's principal decides that.
 */
export function IsUserId({ required, description }: { required: boolean; description?: string }): PropertyDecorator {
  const docs: ApiPropertyOptions = {
    description:
      description ??
      (required
        ? 'The user whose conversation is meant.'
        : "Who is talking. Omit it and the server makes one (`anon-` + a UUID) and returns it; with AUTH_MODE=jwt it is the token's user."),
    example: 'user123',
    pattern: USER_ID_PATTERN.source,
    minLength: 1,
    maxLength: 128,
    required,
  };
  const decorators = [
    IsString({ message: USER_ID_TYPE_MESSAGE }),
    Matches(USER_ID_PATTERN, { message: USER_ID_PATTERN_MESSAGE }),
    ApiProperty(docs),
  ];
  if (!required) decorators.unshift(ValidateIf((_object, value) => value !== undefined));
  return applyDecorators(...decorators);
}
