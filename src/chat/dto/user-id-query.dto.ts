import { IsUserId } from './user-id.rule';

export class UserIdQueryDto {
  @IsUserId({ required: true })
  user_id!: string;
}
