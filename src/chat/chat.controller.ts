import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Logger, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import type { ModelSettings } from '../assistant/assistant.port';
import { AssistantErrorCode, isAssistantError } from '../assistant/errors/assistant.error';
import { ApiAuthenticated } from '../auth/auth.api-docs';
import { Caller } from '../auth/caller.decorator';
import type { Principal } from '../auth/principal';
import { abortOnDisconnect } from '../common/client-disconnect';
import { logFailure, sendError } from '../common/http-error.filter';
import { renderError } from '../common/errors/error-renderer';
import { requestIdOf } from '../common/request-context';
import { ChatApiDocs } from './chat.api-docs';
import { type ChatReply, ChatService } from './chat.service';
import { ChatRequestDto } from './dto/chat-request.dto';
import type { ChatResponseDto } from './dto/chat-response.dto';
import { decodeCursor, encodeCursor } from './dto/history-cursor';
import { DEFAULT_HISTORY_LIMIT, HistoryQueryDto } from './dto/history-query.dto';
import type { HistoryResponseDto } from './dto/history-response.dto';
import { UserIdQueryDto } from './dto/user-id-query.dto';
import { ChatRequestPipe } from './chat-request.pipe';
import type { ChatStreamDoneDto } from './dto/chat-stream-events.dto';
import { millisecondsSince, requestStart } from '../metrics/http-metrics.middleware';
import { SseWriter } from './sse-writer';

@ApiTags('chat')
@ApiAuthenticated()
@Controller('chat')
@UseGuards(ThrottlerGuard)
export class ChatController {
  private readonly logger = new Logger(ChatController.name);

  constructor(private readonly chat: ChatService) {}

  @Post()
  @HttpCode(HttpStatus.OK)
  @ChatApiDocs.chat()
  async send(@Body(ChatRequestPipe) body: ChatRequestDto, @Caller() caller: Principal, @Res({ passthrough: true }) res: Response): Promise<ChatResponseDto> {
    const user = caller.resolveUser(body.user_id, 'anonymous');
    const reply = await this.chat.chat({ user, message: body.message, settings: settingsOf(body), signal: abortOnDisconnect(res) });
    const { upstream_ms, app_ms } = timingOf(reply, res);
    res.setHeader('Server-Timing', `upstream;dur=${upstream_ms}, app;dur=${app_ms}`);
    return toResponse(reply);
  }

  @Post('stream')
  @ChatApiDocs.stream()
  async stream(@Body(ChatRequestPipe) body: ChatRequestDto, @Caller() caller: Principal, @Req() req: Request, @Res() res: Response): Promise<void> {
    const sse = new SseWriter(res);
    try {
      const reply = await this.chat.chat({
        user: caller.resolveUser(body.user_id, 'anonymous'),
        message: body.message,
        settings: settingsOf(body),
        signal: abortOnDisconnect(res),
        onDelta: (text) => sse.send('delta', { text }),
      });
      const done: ChatStreamDoneDto = { ...toResponse(reply), timing: timingOf(reply, res) };
      sse.send('done', done);
      sse.end();
    } catch (error) {
      if (!sse.started) return sendError(error, req, res, this.logger);
      const requestId = requestIdOf(req);
      if (isAssistantError(error, AssistantErrorCode.ABORTED)) this.logger.log(`stream of ${req.path} cancelled: the client went away`);
      else {
        const { status, body: errorBody, unexpected } = renderError(error, requestId);
        logFailure(this.logger, error, req, status, errorBody.code, unexpected);
      }
      sse.fail(error, requestId);
    }
  }

  @Get('history')
  @ChatApiDocs.history()
  async history(@Query() query: HistoryQueryDto, @Caller() caller: Principal): Promise<HistoryResponseDto> {
    const user = caller.resolveUser(query.user_id, 'required');
    const page = await this.chat.history(user, {
      limit: query.limit ?? DEFAULT_HISTORY_LIMIT,
      before: decodeCursor(query.before),
    });
    return {
      user_id: user.userId,
      messages: page.exchanges.map(({ user, bot, timestamp }) => ({ user, bot, timestamp })),
      next_before: encodeCursor(page.nextBefore),
    };
  }

  @Delete('history')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ChatApiDocs.erase()
  async erase(@Query() query: UserIdQueryDto, @Caller() caller: Principal): Promise<void> {
    await this.chat.erase(caller.resolveUser(query.user_id, 'required'));
  }

  @Delete('thread')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ChatApiDocs.resetThread()
  async resetThread(@Query() query: UserIdQueryDto, @Caller() caller: Principal): Promise<void> {
    await this.chat.resetThread(caller.resolveUser(query.user_id, 'required'));
  }
}

function settingsOf({ model, temperature, max_output_tokens }: ChatRequestDto): ModelSettings {
  return { model, temperature, maxOutputTokens: max_output_tokens };
}

function toResponse(reply: ChatReply): ChatResponseDto {
  const body: ChatResponseDto = { answer: reply.answer, user_id: reply.userId, thread_id: reply.threadId };
  if (reply.usage !== undefined) body.usage = reply.usage;
  return body;
}

/** The turn's time split between the model and the service, from the request's arrival until now, in ms to 0.1. */
function timingOf(reply: ChatReply, res: Response): { upstream_ms: number; app_ms: number } {
  const total = millisecondsSince(requestStart(res));
  const upstream = Math.min(reply.upstreamMs, total);
  return { upstream_ms: round(upstream), app_ms: round(total - upstream) };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
