import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import type { UserKey } from '../auth/user-key';
import { ErrorCode } from '../common/errors/error-code';
import { ServiceError } from '../common/errors/service.error';
import type { JobRequestDto } from './dto/job-request.dto';
import { JOB_ID_PATTERN, type JobView } from './job';
import { JobQueue } from './job-queue.port';
import { WebhookTargetPolicy } from './webhooks/webhook-target.policy';

/** Accepts jobs after checking their callback_url, and shows each only to its own user. */
@Injectable()
export class JobsService {
  constructor(
    private readonly queue: JobQueue,
    private readonly targets: WebhookTargetPolicy,
  ) {}

  submit(user: UserKey, body: JobRequestDto): Promise<JobView> {
    const callbackUrl = body.callback_url === undefined ? undefined : this.targets.check(body.callback_url).href;
    return this.queue.submit({
      user,
      message: body.message,
      settings: { model: body.model, temperature: body.temperature, maxOutputTokens: body.max_output_tokens },
      ...(callbackUrl === undefined ? {} : { callbackUrl }),
    });
  }

  /**
   * The job, if `caller` may see it: the same namespace (the same API key's
   * users, or the token users), and with a token the token's own user. Any
   * other job answers exactly as an unknown id does, so ids cannot be probed.
   */
  async find(id: string, caller: Principal): Promise<JobView> {
    const job = JOB_ID_PATTERN.test(id) ? await this.queue.find(id) : undefined;
    if (job === undefined || !mayRead(caller, job.user)) throw new ServiceError(ErrorCode.NOT_FOUND, 'There is no job with this id');
    return job;
  }
}

function mayRead(caller: Principal, owner: UserKey): boolean {
  return caller.namespace === owner.namespace && (caller.tokenUser === undefined || caller.tokenUser === owner.userId);
}
