import { applyDecorators, HttpStatus } from '@nestjs/common';
import { ApiBody, ApiExtraModels, ApiOperation, ApiParam, ApiResponse } from '@nestjs/swagger';
import { ApiErrors, RATE_LIMIT_HEADERS, REQUEST_ID_HEADER, RETRY_AFTER_HEADER } from '../common/api-docs';
import { JobRequestDto } from './dto/job-request.dto';
import { JobAcceptedDto, JobStatusDto, WebhookPayloadDto } from './dto/job-status.dto';

const WEBHOOKS =
  'With `callback_url`, the result (`WebhookPayload`: the same fields as GET, without `webhook`) is POSTed there as JSON once the job finishes, with ' +
  '`X-Webhook-Timestamp: UNIX_SECONDS` and `X-Signature: sha256=HEX`, the hex HMAC-SHA256 keyed with WEBHOOK_SECRET of `<timestamp>.<raw body>`. ' +
  'A receiver recomputes it over the raw bytes, compares in constant time and refuses old timestamps (replays). ' +
  'A delivery succeeds on a 2xx only (redirects are not followed); failures are retried with exponential backoff up to WEBHOOK_MAX_ATTEMPTS, never after a 2xx. ' +
  'Only hosts in WEBHOOK_ALLOWED_HOSTS are called, over https:// (http:// only for a loopback host), and only at public addresses unless the address itself is listed.';

/** The OpenAPI description of the jobs routes, kept out of the controller. */
export const JobsApiDocs = {
  submit: () =>
    applyDecorators(
      ApiOperation({
        summary: 'Run a chat turn in the background',
        description:
          'Takes the body of POST /api/chat, and an optional `callback_url`; answers 202 at once. The job runs in its user’s turn order with live requests ' +
          '(never at the same time as another turn of the user). Poll `Location` (GET /api/chat/jobs/{id}) for the result. ' +
          'Counts against the same rate limit as the chat routes. ' +
          WEBHOOKS,
      }),
      ApiExtraModels(WebhookPayloadDto),
      ApiBody({ type: JobRequestDto }),
      ApiResponse({
        status: HttpStatus.ACCEPTED,
        description: 'Accepted: a restart will not lose it',
        type: JobAcceptedDto,
        headers: {
          ...REQUEST_ID_HEADER,
          ...RATE_LIMIT_HEADERS,
          Location: { description: 'Where to read the job: /api/chat/jobs/{job_id}.', schema: { type: 'string', example: '/api/chat/jobs/job_Zk3v9QmW1xYp0aBcDeFgHi' } },
        },
      }),
      ApiErrors(
        [HttpStatus.BAD_REQUEST, 'The body is invalid, or callback_url is not allowed (`VALIDATION_FAILED`, `MALFORMED_JSON`, `INVALID_UTF8`, `BAD_REQUEST`)'],
        [HttpStatus.REQUEST_TIMEOUT, 'The request body did not arrive within HTTP_REQUEST_TIMEOUT_MS (`REQUEST_TIMEOUT`)'],
        [HttpStatus.PAYLOAD_TOO_LARGE, 'The body is over 64 KiB (`PAYLOAD_TOO_LARGE`)'],
        [HttpStatus.UNSUPPORTED_MEDIA_TYPE, 'The body is not `application/json` in UTF-8 (`UNSUPPORTED_MEDIA_TYPE`)'],
        [HttpStatus.TOO_MANY_REQUESTS, 'Over the rate limit (`RATE_LIMITED`)', { ...RETRY_AFTER_HEADER, ...RATE_LIMIT_HEADERS }],
        [HttpStatus.SERVICE_UNAVAILABLE, 'The job could not be stored (`STORAGE_WRITE_FAILED`, `STORE_UNAVAILABLE`); nothing was accepted', RETRY_AFTER_HEADER],
      ),
    ),
  status: () =>
    applyDecorators(
      ApiOperation({
        summary: 'A background job’s status and result',
        description:
          'Only the job’s own user may read it (the same API key’s users, or the token’s user); to anyone else, and for unknown or malformed ids, it is 404. ' +
          'Finished jobs are kept for JOB_RETENTION_MS (default 24 h). Not rate limited.',
      }),
      ApiParam({ name: 'id', description: 'The job_id from the 202.', example: 'job_Zk3v9QmW1xYp0aBcDeFgHi' }),
      ApiResponse({ status: HttpStatus.OK, description: 'The job', type: JobStatusDto, headers: REQUEST_ID_HEADER }),
      ApiErrors(
        [HttpStatus.NOT_FOUND, 'No such job for this caller (`NOT_FOUND`)'],
        [HttpStatus.SERVICE_UNAVAILABLE, 'The job store could not be read (`STORE_UNAVAILABLE`)', RETRY_AFTER_HEADER],
      ),
    ),
};
