import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureLogs, type CapturedLogs } from '../../test/support/captured-logs';
import { wholeHistory } from '../../test/support/conversation-log-store.suite';
import { LocalAssistantAdapter } from '../assistant/adapters/local-assistant.adapter';
import type { TurnAnswer, TurnReceipt, TurnRequest } from '../assistant/assistant.port';
import { AssistantErrorCode } from '../assistant/errors/assistant.error';
import type { UserKey } from '../auth/user-key';
import { JsonFileConversationLogStore } from '../conversation-log/adapters/json-file-conversation-log.store';
import type { Exchange } from '../conversation-log/conversation-log.port';
import { ConversationLogService } from '../conversation-log/conversation-log.service';
import { MetricsService } from '../metrics/metrics.service';
import { StorageError, StorageErrorCode } from '../persistence/errors/storage.error';
import { JsonFileThreadStore } from '../threads/adapters/json-file-thread.store';
import { ThreadRegistry } from '../threads/thread-registry';
import { InProcessTurnLock } from '../turns/adapters/in-process-turn.lock';
import { ChatService } from './chat.service';

const alice: UserKey = { namespace: '', userId: 'alice' };

/** A log store that refuses appends while `refusing` is set: a disk that is full, say. */
class RefusingLogStore extends JsonFileConversationLogStore {
  refusing = false;

  override append(user: UserKey, exchange: Exchange): Promise<void> {
    if (this.refusing) return Promise.reject(new StorageError(StorageErrorCode.WRITE_FAILED, 'refused'));
    return super.append(user, exchange);
  }
}

/** The local assistant, with a way to hold its clean-ups back and to watch them. */
class ObservedAssistant extends LocalAssistantAdapter {
  readonly discarded: TurnReceipt[] = [];
  discardGate: Promise<void> = Promise.resolve();
  onAnswered: () => void = () => undefined;

  override async answer(request: TurnRequest): Promise<TurnAnswer> {
    const answer = await super.answer(request);
    this.onAnswered();
    return answer;
  }

  override async discardTurn(receipt: TurnReceipt): Promise<void> {
    await this.discardGate;
    this.discarded.push(receipt);
    await super.discardTurn(receipt);
  }
}

describe('ChatService with the local assistant and the JSON stores', () => {
  let dir: string;
  let logs: CapturedLogs;
  let log: RefusingLogStore;
  let threads: JsonFileThreadStore;
  let assistant: ObservedAssistant;
  let chat: ChatService;
  let metrics: MetricsService;

  beforeEach(async () => {
    logs = captureLogs();
    dir = await mkdtemp(join(tmpdir(), 'chat-service-'));
    log = new RefusingLogStore(join(dir, 'conversations.json'));
    threads = new JsonFileThreadStore(join(dir, 'threads.json'));
    await Promise.all([log.onModuleInit(), threads.onModuleInit()]);
    assistant = new ObservedAssistant(0);
    metrics = new MetricsService();
    chat = new ChatService(assistant, new ThreadRegistry(threads, assistant, metrics), new ConversationLogService(log, metrics), new InProcessTurnLock(), metrics, { level: 'info', format: 'json' });
  });

  afterEach(async () => {
    await Promise.all([log.onApplicationShutdown(), threads.onApplicationShutdown()]);
    logs.restore();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers on the user’s conversation and logs the exchange before it returns', async () => {
    const first = await chat.chat({ user: alice, message: 'one' });
    const second = await chat.chat({ user: alice, message: 'two' });
    expect(first).toEqual({
      answer: expect.stringContaining('Turn 1'),
      userId: 'alice',
      threadId: expect.stringMatching(/^local_/),
      model: undefined,
      usage: undefined,
      upstreamMs: expect.any(Number),
    });
    expect(second.threadId).toBe(first.threadId);
    expect((await wholeHistory(log, alice)).map((exchange) => exchange.user)).toEqual(['one', 'two']);
  });

  it('streams through onDelta and logs the whole answer', async () => {
    const deltas: string[] = [];
    const reply = await chat.chat({ user: alice, message: 'stream it', onDelta: (text) => deltas.push(text) });
    expect(deltas.join('')).toBe(reply.answer);
    expect((await wholeHistory(log, alice))[0].bot).toBe(reply.answer);
  });

  it('takes a turn whose log write fails back out of the conversation, and refuses it', async () => {
    await chat.chat({ user: alice, message: 'kept' });
    log.refusing = true;
    await expect(chat.chat({ user: alice, message: 'lost' })).rejects.toMatchObject({ code: StorageErrorCode.WRITE_FAILED });
    log.refusing = false;
    expect(assistant.discarded.map((receipt) => receipt.message)).toEqual(['lost']);
    const next = await chat.chat({ user: alice, message: 'next' });
    expect(next.answer).toBe('[local assistant] Turn 2. You said: "next". Before that you said: "kept".');
  });

  it('takes back a turn whose client left after the answer, before it was logged', async () => {
    const controller = new AbortController();
    assistant.onAnswered = () => controller.abort();
    await expect(chat.chat({ user: alice, message: 'unheard', signal: controller.signal })).rejects.toMatchObject({ code: AssistantErrorCode.ABORTED });
    assistant.onAnswered = () => undefined;
    expect(await wholeHistory(log, alice)).toEqual([]);
    expect(assistant.discarded.map((receipt) => receipt.message)).toEqual(['unheard']);
    expect((await chat.chat({ user: alice, message: 'hello' })).answer).toContain('Turn 1');
  });

  it('answers the failed turn at once but starts the user’s next turn only after the take-back', async () => {
    let release!: () => void;
    assistant.discardGate = new Promise((resolve) => (release = resolve));
    log.refusing = true;
    await expect(chat.chat({ user: alice, message: 'lost' })).rejects.toBeInstanceOf(StorageError);
    log.refusing = false;
    let nextDone = false;
    const next = chat.chat({ user: alice, message: 'next' }).then((reply) => {
      nextDone = true;
      return reply;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(nextDone).toBe(false);
    // Another user is not held up by alice's clean-up.
    await chat.chat({ user: { namespace: '', userId: 'bob' }, message: 'hi' });
    release();
    expect((await next).answer).toContain('Turn 1');
  });

  it('takes back the turn an aborted stream left, and logs nothing', async () => {
    const slow = new ObservedAssistant(20);
    const service = new ChatService(slow, new ThreadRegistry(threads, slow, metrics), new ConversationLogService(log, metrics), new InProcessTurnLock(), metrics, { level: 'info', format: 'json' });
    const controller = new AbortController();
    const deltas: string[] = [];
    const failed = service.chat({ user: alice, message: 'a long question', signal: controller.signal, onDelta: (text) => deltas.push(text) === 2 && controller.abort() });
    await expect(failed).rejects.toMatchObject({ code: AssistantErrorCode.ABORTED });
    expect(await wholeHistory(log, alice)).toEqual([]);
    expect(slow.discarded.map((receipt) => receipt.message)).toEqual(['a long question']);
  });

  it('serves history pages and erases a user: log, mapping and conversation', async () => {
    const { threadId } = await chat.chat({ user: alice, message: 'one' });
    await chat.chat({ user: alice, message: 'two' });
    const page = await chat.history(alice, { limit: 1 });
    expect(page.exchanges.map((exchange) => exchange.user)).toEqual(['two']);
    await chat.erase(alice);
    expect(await chat.history(alice, { limit: 10 })).toEqual({ exchanges: [], nextBefore: undefined });
    expect(await threads.get(alice)).toBeUndefined();
    const after = await chat.chat({ user: alice, message: 'fresh' });
    expect(after.threadId).not.toBe(threadId);
    expect(after.answer).toContain('Turn 1');
  });

  it('resets the conversation but keeps the log', async () => {
    const { threadId } = await chat.chat({ user: alice, message: 'one' });
    await chat.resetThread(alice);
    const after = await chat.chat({ user: alice, message: 'two' });
    expect(after.threadId).not.toBe(threadId);
    expect((await wholeHistory(log, alice)).map((exchange) => exchange.user)).toEqual(['one', 'two']);
  });
});
