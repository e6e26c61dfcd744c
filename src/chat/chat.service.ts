import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { AssistantService, type ModelSettings, type TokenUsage, type TurnAnswer, type TurnReceipt, type TurnRequest } from '../assistant/assistant.port';
import { abortedError, AssistantError } from '../assistant/errors/assistant.error';
import { ServiceError } from '../common/errors/service.error';
import type { UserKey } from '../auth/user-key';
import { loggingConfig } from '../config/logging.config';
import type { Exchange, HistoryPage, HistoryQuery } from '../conversation-log/conversation-log.port';
import { ConversationLogService } from '../conversation-log/conversation-log.service';
import { MetricsService } from '../metrics/metrics.service';
import { ThreadRegistry } from '../threads/thread-registry';
import { type TurnLease, TurnLock } from '../turns/turn-lock.port';
import { TurnTiming } from './turn-timing';

export interface ChatTurn {
  user: UserKey;
  message: string;
  settings?: ModelSettings;
  /** Fires when the client goes away. */
  signal?: AbortSignal;
  /** When given, the answer is streamed through it. */
  onDelta?: (text: string) => void;
  /** A place in the user's line taken earlier (a job takes it when it is accepted); without it the turn takes one now. */
  place?: Promise<TurnLease>;
  /** Called before each question goes upstream: the last moment at which the turn has left nothing there. */
  beforeAsk?: () => Promise<void>;
  /** Called with the answer as it will be logged, before it is; when it fails, the turn is taken back as when the log fails. */
  onAnswer?: (answered: AnsweredTurn) => Promise<void>;
}

/** An answer that arrived, with the exchange exactly as it is logged. */
export interface AnsweredTurn {
  threadId: string;
  exchange: Exchange;
}

export interface ChatReply {
  answer: string;
  userId: string;
  threadId: string;
  model: string | undefined;
  usage: TokenUsage | undefined;
  /** Milliseconds this turn spent waiting for the model. */
  upstreamMs: number;
}

/**
 * One chat turn, holding the user's turn lease: find or start the user's
 * conversation, get the answer, log the exchange. A turn is acknowledged only
 * once it is logged; one that is not (the log failed, the client left, the
 * upstream failed half-way) is taken back out of the conversation before the
 * user's next turn may start, so the log and the model's memory never disagree.
 */
@Injectable()
export class ChatService {
  private readonly logger = new Logger(ChatService.name);
  /** Message texts are logged at debug only; not even formatted otherwise. */
  private readonly debug: boolean;

  constructor(
    private readonly assistant: AssistantService,
    private readonly threads: ThreadRegistry,
    private readonly log: ConversationLogService,
    private readonly turns: TurnLock,
    private readonly metrics: MetricsService,
    @Inject(loggingConfig.KEY) logging: ConfigType<typeof loggingConfig>,
  ) {
    this.debug = logging.level === 'debug';
  }

  async chat({ user, message, settings, signal: clientSignal, onDelta, place, beforeAsk, onAnswer }: ChatTurn): Promise<ChatReply> {
    const started = process.hrtime.bigint();
    const lease = await this.waitForTurn(user, clientSignal, place);
    // A shared lease that is lost stops the turn as a client that leaves does: another turn of this user may start.
    const signal = lease.lost === undefined || clientSignal === undefined ? (clientSignal ?? lease.lost) : AbortSignal.any([clientSignal, lease.lost]);
    const timing = new TurnTiming();
    let undoing: Promise<void> | undefined;
    try {
      if (this.debug) this.logger.debug(`message from ${user.userId}: ${JSON.stringify(message)}`);
      const request = { message, settings, signal, onDelta: onDelta && this.timingFirstDelta(started, onDelta) };
      const ask = async (threadId: string): Promise<TurnAnswer> => {
        await beforeAsk?.();
        return this.ask({ ...request, threadId }, timing);
      };
      const { threadId, result: answer } = await this.threads.withThread(user, signal, ask, timing);
      if (this.debug) this.logger.debug(`answer to ${user.userId}: ${JSON.stringify(answer.text)}`);
      try {
        if (signal?.aborted) throw abortedError();
        const exchange: Exchange = { user: message, bot: answer.text, timestamp: Date.now() / 1000, model: answer.model, usage: answer.usage };
        await onAnswer?.({ threadId, exchange });
        await this.log.record(user, exchange);
      } catch (error) {
        undoing = this.takeBack(answer.receipt);
        throw error;
      }
      return { answer: answer.text, userId: user.userId, threadId, model: answer.model, usage: answer.usage, upstreamMs: timing.upstreamMs };
    } catch (error) {
      if (undoing === undefined && error instanceof AssistantError && error.receipt !== undefined) undoing = this.takeBack(error.receipt);
      throw error;
    } finally {
      // The client's error need not wait for the clean-up; the user's next turn must.
      if (undoing === undefined) this.endTurn(lease);
      else void undoing.finally(() => this.endTurn(lease));
    }
  }

  /**
   * Logs an answer that arrived in an earlier run of a job (which then stopped
   * before it knew the exchange was logged), in the user's turn order; never twice.
   */
  async logAnswered(user: UserKey, exchange: Exchange, place?: Promise<TurnLease>, signal?: AbortSignal): Promise<void> {
    const lease = await this.waitForTurn(user, signal, place);
    try {
      await this.log.recordOnce(user, exchange);
    } finally {
      this.endTurn(lease);
    }
  }

  history(user: UserKey, query: HistoryQuery): Promise<HistoryPage> {
    return this.log.page(user, query);
  }

  /** Ends the user's conversation; the next message starts a new one. The log is kept. */
  async resetThread(user: UserKey): Promise<void> {
    const lease = await this.turns.acquire(user);
    try {
      await this.threads.reset(user);
    } finally {
      lease.release();
    }
  }

  /** Erases the user: the logged exchanges, the mapping, and the upstream conversation (best effort). */
  async erase(user: UserKey): Promise<void> {
    const lease = await this.turns.acquire(user);
    try {
      await this.log.erase(user);
      await this.threads.reset(user);
    } finally {
      lease.release();
    }
  }

  private async waitForTurn(user: UserKey, signal: AbortSignal | undefined, place?: Promise<TurnLease>): Promise<TurnLease> {
    this.metrics.turnsWaiting.inc();
    try {
      const lease = await (place ?? this.turns.acquire(user, signal));
      this.metrics.turnsInFlight.inc();
      return lease;
    } finally {
      this.metrics.turnsWaiting.dec();
    }
  }

  private endTurn(lease: TurnLease): void {
    this.metrics.turnsInFlight.dec();
    lease.release();
  }

  /** One answer upstream, timed for Server-Timing and the metrics. */
  private async ask(request: TurnRequest, timing: TurnTiming): Promise<TurnAnswer> {
    const started = process.hrtime.bigint();
    let outcome = 'ok';
    let answer: TurnAnswer | undefined;
    try {
      answer = await timing.upstream(() => this.assistant.answer(request));
      return answer;
    } catch (error) {
      outcome = error instanceof ServiceError ? error.code : 'error';
      throw error;
    } finally {
      this.metrics.answered(this.assistant.mode, outcome, Number(process.hrtime.bigint() - started) / 1e9, answer?.usage);
    }
  }

  /** `onDelta`, noting how long the turn waited for its first piece of answer. */
  private timingFirstDelta(started: bigint, onDelta: (text: string) => void): (text: string) => void {
    let first = true;
    return (text) => {
      if (first) {
        first = false;
        this.metrics.firstDeltaAfter(this.assistant.mode, Number(process.hrtime.bigint() - started) / 1e9);
      }
      onDelta(text);
    };
  }

  private takeBack(receipt: TurnReceipt): Promise<void> {
    return this.assistant.discardTurn(receipt).catch((error: unknown) => {
      this.logger.warn(`could not take an unacknowledged turn out of conversation ${receipt.threadId}: ${(error as Error)?.message ?? 'error'}`);
    });
  }
}
