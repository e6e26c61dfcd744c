import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { ErrorCode } from '../../common/errors/error-code';
import { DELIVERY_STATES, type DeliveryState, JOB_STATUSES, type JobStatus } from '../job';

const JOB_ID = { description: 'The job’s opaque id.', example: 'job_Zk3v9QmW1xYp0aBcDeFgHi' };
const STATUS = {
  description: '`queued` (waiting for its turn or a worker), `running`, then `succeeded` or `failed`.',
  enum: JOB_STATUSES,
  enumName: 'JobStatus',
  example: 'succeeded',
};
const USER_ID = { description: 'The user the job runs for (as sent, or made by the server).', example: 'user123' };

@ApiSchema({ name: 'ChatJobAccepted' })
export class JobAcceptedDto {
  @ApiProperty(JOB_ID)
  job_id!: string;

  @ApiProperty({ description: 'Always `queued` here: the job is accepted and will run in the user’s turn order.', enum: ['queued'], example: 'queued' })
  status!: 'queued';

  @ApiProperty(USER_ID)
  user_id!: string;
}

@ApiSchema({ name: 'ChatJobError' })
export class JobErrorDto {
  @ApiProperty({
    description:
      'The code a live request would have got (`ErrorBody.code`), or `JOB_INTERRUPTED`: the service stopped while the model was answering, and the job is not asked again.',
    enum: ErrorCode,
    enumName: 'ErrorCode',
    example: ErrorCode.UPSTREAM_TIMEOUT,
  })
  code!: string;

  @ApiProperty({ description: 'What went wrong, safe to show.', example: 'The assistant did not answer in time' })
  message!: string;
}

/** The result as it is both read (GET) and POSTed to callback_url. */
@ApiSchema({
  name: 'WebhookPayload',
  description:
    'The JSON body POSTed to callback_url when the job finishes, and the result part of GET /api/chat/jobs/{id}. ' +
    'Headers: `X-Webhook-Timestamp: UNIX_SECONDS`, `X-Signature: sha256=HEX` (the hex HMAC-SHA256, keyed with WEBHOOK_SECRET, of the timestamp, a dot and the raw body), ' +
    '`X-Webhook-Id: JOB_ID`. A receiver recomputes the HMAC over the bytes it received, compares in constant time, and refuses a timestamp more than a few minutes old.',
})
export class WebhookPayloadDto {
  @ApiProperty(JOB_ID)
  job_id!: string;

  @ApiProperty(STATUS)
  status!: JobStatus;

  @ApiProperty(USER_ID)
  user_id!: string;

  @ApiPropertyOptional({ description: 'The answer, once `succeeded`.', example: 'Hello there! How can I help you today?' })
  answer?: string;

  @ApiPropertyOptional({ description: 'The user’s upstream conversation, once `succeeded`.', example: 'conv_68a1f0c2e4b08190' })
  thread_id?: string;

  @ApiPropertyOptional({ type: JobErrorDto, description: 'Why it failed, once `failed`.' })
  error?: JobErrorDto;
}

@ApiSchema({ name: 'WebhookDelivery' })
export class WebhookDeliveryDto {
  @ApiProperty({ description: '`pending` until a 2xx (`delivered`) or the last attempt (`failed`).', enum: DELIVERY_STATES, example: 'delivered' })
  state!: DeliveryState;

  @ApiProperty({ description: 'Deliveries tried so far.', example: 1 })
  attempts!: number;

  @ApiPropertyOptional({ description: 'The HTTP status of the last attempt, when it got one.', example: 200 })
  last_status?: number;

  @ApiPropertyOptional({ description: 'Why the last attempt failed.', example: 'the receiver answered 500' })
  last_error?: string;

  @ApiPropertyOptional({ description: 'When the receiver answered 2xx, in Unix seconds.', example: 1696614303.123 })
  delivered_at?: number;
}

@ApiSchema({ name: 'ChatJob' })
export class JobStatusDto extends WebhookPayloadDto {
  @ApiPropertyOptional({ type: WebhookDeliveryDto, description: 'Only for a job with a callback_url, once it finished.' })
  webhook?: WebhookDeliveryDto;
}
