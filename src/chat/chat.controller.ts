import { randomUUID } from 'node:crypto';
import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Logger, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { AssistantErrorCode, isAssistantError } from '../assistant/errors/assistant.error';
import { abortOnDisconnect } from '../common/client-disconnect';
import { toErrorResponse } from '../common/error-response';
import { sendError } from '../common/http-error.filter';
import { requestIdOf } from '../common/request-context';
import { ConversationLogService } from '../conversation-log/conversation-log.service';
import { ChatApiDocs } from './chat.api-docs';
import { type ChatReply, ChatService } from './chat.service';
import { ChatRequestDto } from './dto/chat-request.dto';
import type { ChatResponseDto } from './dto/chat-response.dto';
import type { HistoryResponseDto } from './dto/history-response.dto';
import { UserIdQueryDto } from './dto/user-id-query.dto';
import { SseWriter } from './sse-writer';

@ApiTags('chat')
@Controller('chat')
@UseGuards(ThrottlerGuard)
export class ChatController {
  private readonly logger = new Logger(ChatController.name);

  constructor(
    private readonly chat: ChatService,
    private readonly log: ConversationLogService,
  ) {}

  @Post()
  @HttpCode(HttpStatus.OK)
  @ChatApiDocs.chat()
  async send(@Body() body: ChatRequestDto, @Res({ passthrough: true }) res: Response): Promise<ChatResponseDto> {
    const reply = await this.chat.chat(userIdOf(body), body.message, abortOnDisconnect(res));
    return toResponse(reply);
  }

  @Post('stream')
  @ChatApiDocs.stream()
  async stream(@Body() body: ChatRequestDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    const sse = new SseWriter(res);
    try {
      const reply = await this.chat.streamChat(
        userIdOf(body),
        body.message,
        (text) => sse.send('delta', { text }),
        abortOnDisconnect(res),
      );
      sse.send('done', toResponse(reply));
      sse.end();
    } catch (error) {
      if (!sse.started) {
        sendError(error, req, res, this.logger);
        return;
      }
      const { body: errorBody } = toErrorResponse(error);
      if (isAssistantError(error, AssistantErrorCode.ABORTED)) this.logger.log(`stream of ${req.path} cancelled: the client went away`);
      else this.logger.warn(`stream of ${req.path} failed after it began: ${errorBody.code}`);
      sse.send('error', { ...errorBody, requestId: requestIdOf(req, res) });
      sse.end();
    }
  }

  @Get('history')
  @ChatApiDocs.history()
  async history(@Query() query: UserIdQueryDto): Promise<HistoryResponseDto> {
    const messages = await this.log.history(query.user_id);
    return { user_id: query.user_id, messages: messages.map(({ user, bot, timestamp }) => ({ user, bot, timestamp })) };
  }

  @Delete('thread')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ChatApiDocs.resetThread()
  async resetThread(@Query() query: UserIdQueryDto): Promise<void> {
    await this.chat.resetThread(query.user_id);
  }
}

/** A request without a user id gets a fresh one, so two anonymous clients never share a conversation. */
function userIdOf(body: ChatRequestDto): string {
  return body.user_id ?? `anon-${randomUUID()}`;
}

function toResponse(reply: ChatReply): ChatResponseDto {
  return { answer: reply.answer, user_id: reply.userId, thread_id: reply.threadId };
}
