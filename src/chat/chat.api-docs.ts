import { applyDecorators, HttpStatus } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiProduces,
  ApiResponse,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { ErrorResponseDto } from '../common/dto/error-response.dto';
import { ChatRequestDto } from './dto/chat-request.dto';
import { ChatResponseDto } from './dto/chat-response.dto';
import { HistoryResponseDto } from './dto/history-response.dto';

const retryAfter = { 'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer' } } };

function commonErrors(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiBadRequestResponse({ description: 'Invalid body or query', type: ErrorResponseDto }),
    ApiTooManyRequestsResponse({ description: 'Over the per-IP rate limit', type: ErrorResponseDto, headers: retryAfter }),
  );
}

function upstreamErrors(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiPayloadTooLargeResponse({ description: 'Body over 64 KiB', type: ErrorResponseDto }),
    ApiResponse({ status: HttpStatus.BAD_GATEWAY, description: 'The assistant failed or rejected the request', type: ErrorResponseDto }),
    ApiResponse({
      status: HttpStatus.SERVICE_UNAVAILABLE,
      description: 'The assistant is overloaded or rate limited, or the log could not be written',
      type: ErrorResponseDto,
      headers: retryAfter,
    }),
    ApiResponse({ status: HttpStatus.GATEWAY_TIMEOUT, description: 'The assistant did not answer in time', type: ErrorResponseDto }),
  );
}

/** The OpenAPI description of each chat route, kept out of the controller. */
export const ChatApiDocs = {
  chat: () =>
    applyDecorators(
      ApiOperation({
        summary: 'Send a message and get the answer',
        description:
          "The user's conversation is kept: the next message with the same user_id is answered with this one in context. " +
          'Requests of one user are answered one after another.',
      }),
      ApiBody({ type: ChatRequestDto }),
      ApiOkResponse({ type: ChatResponseDto }),
      commonErrors(),
      upstreamErrors(),
    ),
  stream: () =>
    applyDecorators(
      ApiOperation({
        summary: 'Send a message and get the answer as Server-Sent Events',
        description:
          'Events: `delta` `{"text"}` for each piece of the answer, then `done` with the same body as POST /api/chat, ' +
          'or `error` `{"statusCode","message",...}` if it fails after it began. Failures before it begins are plain JSON errors. ' +
          'Disconnecting cancels the generation upstream.',
      }),
      ApiBody({ type: ChatRequestDto }),
      ApiProduces('text/event-stream'),
      ApiOkResponse({
        description: 'The event stream',
        content: {
          'text/event-stream': {
            schema: { type: 'string' },
            example:
              'event: delta\ndata: {"text":"Hel"}\n\nevent: delta\ndata: {"text":"lo!"}\n\n' +
              'event: done\ndata: {"answer":"Hello!","user_id":"user123","thread_id":"conv_68a1f0c2e4b08190"}\n\n',
          },
        },
      }),
      commonErrors(),
      upstreamErrors(),
    ),
  history: () =>
    applyDecorators(
      ApiOperation({ summary: "A user's logged exchanges, oldest first (empty for an unknown user)" }),
      ApiOkResponse({ type: HistoryResponseDto }),
      commonErrors(),
    ),
  resetThread: () =>
    applyDecorators(
      ApiOperation({
        summary: "Forget the user's conversation",
        description: 'The next message starts a new conversation. The log is kept.',
      }),
      ApiNoContentResponse({ description: 'Done (also when the user had no conversation)' }),
      commonErrors(),
    ),
};
