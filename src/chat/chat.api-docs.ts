import { applyDecorators, HttpStatus } from '@nestjs/common';
import { ApiBody, ApiExtraModels, ApiOperation, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ApiErrors, RATE_LIMIT_HEADERS, REQUEST_ID_HEADER, RETRY_AFTER_HEADER } from '../common/api-docs';
import { ErrorBody } from '../common/errors/error-body.dto';
import { ChatRequestDto } from './dto/chat-request.dto';
import { ChatResponseDto } from './dto/chat-response.dto';
import { ChatStreamDeltaDto, ChatStreamDoneDto } from './dto/chat-stream-events.dto';
import { HistoryResponseDto } from './dto/history-response.dto';

type ErrorSpec = Parameters<typeof ApiErrors>[number];

const BAD_INPUT: ErrorSpec = [HttpStatus.BAD_REQUEST, 'The body or query is invalid (`VALIDATION_FAILED`, `MALFORMED_JSON`, `INVALID_UTF8`, `BAD_REQUEST`)'];
const RATE_LIMITED: ErrorSpec = [HttpStatus.TOO_MANY_REQUESTS, 'Over the rate limit (`RATE_LIMITED`)', { ...RETRY_AFTER_HEADER, ...RATE_LIMIT_HEADERS }];
const STORE_DOWN: ErrorSpec = [
  HttpStatus.SERVICE_UNAVAILABLE,
  'A store could not be read or written; nothing was changed (`STORAGE_WRITE_FAILED`, `STORE_UNAVAILABLE`)',
  RETRY_AFTER_HEADER,
];

/** The failures of the two routes that ask the assistant. */
const TURN_ERRORS: ErrorSpec[] = [
  BAD_INPUT,
  [HttpStatus.REQUEST_TIMEOUT, 'The request body did not arrive within HTTP_REQUEST_TIMEOUT_MS (`REQUEST_TIMEOUT`)'],
  [HttpStatus.PAYLOAD_TOO_LARGE, 'The body is over 64 KiB (`PAYLOAD_TOO_LARGE`)'],
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE, 'The body is not `application/json` in UTF-8 (`UNSUPPORTED_MEDIA_TYPE`)'],
  RATE_LIMITED,
  [
    HttpStatus.BAD_GATEWAY,
    'The assistant failed, rejected the request, could not be reached, or its answer did not complete (`UPSTREAM_FAILED`, `UPSTREAM_REJECTED`, `UPSTREAM_UNREACHABLE`)',
  ],
  [
    HttpStatus.SERVICE_UNAVAILABLE,
    'The assistant is overloaded or over its own rate limit (`UPSTREAM_RATE_LIMITED`, `UPSTREAM_UNAVAILABLE`), or a store failed (`STORAGE_WRITE_FAILED`, `STORE_UNAVAILABLE`); nothing was logged',
    RETRY_AFTER_HEADER,
  ],
  [HttpStatus.GATEWAY_TIMEOUT, 'One attempt upstream made no progress within OPENAI_TIMEOUT_MS (`UPSTREAM_TIMEOUT`)'],
];

const SERVER_TIMING_HEADER = {
  'Server-Timing': {
    description: 'upstream;dur=MS (waiting for the model), app;dur=MS (the service’s own time), as browsers’ developer tools show it.',
    schema: { type: 'string', example: 'upstream;dur=812.4, app;dur=3.1' },
  },
};

const STREAM_EXAMPLE =
  'event: delta\ndata: {"text":"Hel"}\n\nevent: delta\ndata: {"text":"lo!"}\n\n' +
  'event: done\ndata: {"answer":"Hello!","user_id":"user123","thread_id":"conv_68a1f0c2e4b08190","usage":{"input_tokens":9,"output_tokens":2,"total_tokens":11},"timing":{"upstream_ms":812.4,"app_ms":3.1}}\n\n';

/** One SSE event as a client sees it once parsed: its name and its JSON data. */
function streamEvent(name: string, data: string, description: string): Record<string, unknown> {
  return {
    type: 'object',
    description,
    required: ['event', 'data'],
    properties: { event: { type: 'string', enum: [name] }, data: { $ref: data } },
  };
}

/** The OpenAPI description of each chat route, kept out of the controller. */
export const ChatApiDocs = {
  chat: () =>
    applyDecorators(
      ApiOperation({
        summary: 'Send a message and get the answer',
        description:
          "The user's conversation is kept: the next message with the same user_id is answered with this one in context. " +
          'Requests of one user are answered one after another. The exchange is logged before the answer is sent.',
      }),
      ApiBody({ type: ChatRequestDto }),
      ApiResponse({
        status: HttpStatus.OK,
        description: 'The answer',
        type: ChatResponseDto,
        headers: { ...REQUEST_ID_HEADER, ...RATE_LIMIT_HEADERS, ...SERVER_TIMING_HEADER },
      }),
      ApiErrors(...TURN_ERRORS),
    ),
  stream: () =>
    applyDecorators(
      ApiOperation({
        summary: 'Send a message and get the answer as Server-Sent Events',
        description:
          'Events: `delta` (`ChatStreamDelta`) for each piece of the answer, then `done` (`ChatStreamDone`: the body of POST /api/chat and the turn’s timing), ' +
          'or `error` (`ErrorBody`) if it fails after it began. Failures before it begins are plain JSON errors with their status. ' +
          'Disconnecting cancels the generation upstream, and the exchange is then not logged.',
      }),
      ApiExtraModels(ChatStreamDeltaDto, ChatStreamDoneDto, ErrorBody),
      ApiBody({ type: ChatRequestDto }),
      ApiResponse({
        status: HttpStatus.OK,
        description: 'The event stream: `delta`* then `done`, or `error`. Each event is `event: NAME` and `data: JSON`.',
        headers: { ...REQUEST_ID_HEADER, ...RATE_LIMIT_HEADERS },
        content: {
          'text/event-stream': {
            schema: {
              oneOf: [
                streamEvent('delta', getSchemaPath(ChatStreamDeltaDto), 'The next piece of the answer'),
                streamEvent('done', getSchemaPath(ChatStreamDoneDto), 'The whole answer and the turn’s timing; the exchange is logged'),
                streamEvent('error', getSchemaPath(ErrorBody), 'A failure after the stream began; nothing was logged'),
              ],
            },
            example: STREAM_EXAMPLE,
          },
        },
      }),
      ApiErrors(...TURN_ERRORS),
    ),
  history: () =>
    applyDecorators(
      ApiOperation({
        summary: "A page of a user's logged exchanges",
        description:
          'The newest `limit` exchanges, oldest first; `next_before` leads to the page before. An unknown user has an empty history. ' +
          'A page costs the same however long the history is.',
      }),
      ApiResponse({ status: HttpStatus.OK, description: 'The page', type: HistoryResponseDto, headers: { ...REQUEST_ID_HEADER, ...RATE_LIMIT_HEADERS } }),
      ApiErrors(BAD_INPUT, RATE_LIMITED, STORE_DOWN),
    ),
  erase: () =>
    applyDecorators(
      ApiOperation({
        summary: 'Erase a user',
        description:
          "Removes every logged exchange and the user's conversation mapping before answering, and deletes the upstream conversation (best effort). " +
          'The history is empty afterwards and the next message starts a new conversation.',
      }),
      ApiResponse({ status: HttpStatus.NO_CONTENT, description: 'Erased (also when there was nothing to erase)', headers: REQUEST_ID_HEADER }),
      ApiErrors(BAD_INPUT, RATE_LIMITED, STORE_DOWN),
    ),
  resetThread: () =>
    applyDecorators(
      ApiOperation({ summary: "Forget the user's conversation", description: 'The next message starts a new conversation. The log is kept.' }),
      ApiResponse({ status: HttpStatus.NO_CONTENT, description: 'Done (also when the user had no conversation)', headers: REQUEST_ID_HEADER }),
      ApiErrors(BAD_INPUT, RATE_LIMITED, STORE_DOWN),
    ),
};
