import { IsUserId, OWN_USER_ID_DESCRIPTION } from './user-id.rule';

export class UserIdQueryDto {
  @IsUserId({ required: false, description: OWN_USER_ID_DESCRIPTION })
  user_id?: string;
}
