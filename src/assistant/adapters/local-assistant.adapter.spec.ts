import { captureLogs, type CapturedLogs } from '../../../test/support/captured-logs';
import { AssistantError, AssistantErrorCode } from '../errors/assistant.error';
import { LocalAssistantAdapter } from './local-assistant.adapter';

/** The settled outcome of a call, whether it threw, rejected or resolved. */
async function outcome<T>(call: () => Promise<T>): Promise<T | unknown> {
  try {
    return await call();
  } catch (error) {
    return error;
  }
}

/** The text of a plain (not streamed) answer. */
async function ask(adapter: LocalAssistantAdapter, threadId: string, message: string): Promise<string> {
  return (await adapter.answer({ threadId, message })).text;
}

describe('LocalAssistantAdapter', () => {
  let logs: CapturedLogs;
  let assistant: LocalAssistantAdapter;

  beforeEach(() => {
    logs = captureLogs();
    assistant = new LocalAssistantAdapter(0);
  });

  afterEach(() => {
    logs.restore();
  });

  it('warns on creation that answers are not from a model', () => {
    expect(logs.warnings).toEqual([expect.stringContaining('not from a model')]);
  });

  it('says it is the local mode and makes distinct local_ thread ids', async () => {
    expect(assistant.mode).toBe('local');
    const ids = await Promise.all([assistant.createThread(), assistant.createThread()]);
    expect(ids[0]).toMatch(/^local_[0-9a-f]{32}$/);
    expect(ids[1]).not.toBe(ids[0]);
  });

  it('answers the same conversation the same way every time', async () => {
    const other = new LocalAssistantAdapter(0);
    const converse = async (adapter: LocalAssistantAdapter): Promise<string[]> => {
      const thread = await adapter.createThread();
      return [await ask(adapter, thread, 'Hello'), await ask(adapter, thread, 'How are you?')];
    };
    expect(await converse(assistant)).toEqual(await converse(other));
  });

  it('counts turns and recalls the previous message of the thread', async () => {
    const thread = await assistant.createThread();
    expect(await ask(assistant, thread, 'Hello')).toBe(
      '[local assistant] Turn 1. You said: "Hello". This is our first exchange.',
    );
    expect(await ask(assistant, thread, 'My name is Ada')).toBe(
      '[local assistant] Turn 2. You said: "My name is Ada". Before that you said: "Hello".',
    );
    expect(await ask(assistant, thread, 'Bye')).toBe(
      '[local assistant] Turn 3. You said: "Bye". Before that you said: "My name is Ada".',
    );
  });

  it('keeps threads independent', async () => {
    const [first, second] = await Promise.all([assistant.createThread(), assistant.createThread()]);
    await ask(assistant, first, 'one');
    await ask(assistant, first, 'two');
    expect(await ask(assistant, second, 'hi')).toContain('Turn 1.');
    expect(await ask(assistant, first, 'three')).toContain('Turn 3. You said: "three". Before that you said: "two".');
  });

  it('forgets a deleted thread', async () => {
    const thread = await assistant.createThread();
    await ask(assistant, thread, 'one');
    await assistant.deleteThread(thread);
    expect(await ask(assistant, thread, 'again')).toContain('Turn 1.');
  });

  it('streams word by word the exact text answer gives for the same turn, and advances the turn', async () => {
    const reference = new LocalAssistantAdapter(0);
    const [streamed, answered] = await Promise.all([assistant.createThread(), reference.createThread()]);
    await ask(assistant, streamed, 'Hello');
    const expected = [await ask(reference, answered, 'Hello'), await ask(reference, answered, 'Tell me more')];

    const deltas: string[] = [];
    const result = await assistant.answer({ threadId: streamed, message: 'Tell me more', onDelta: (text) => deltas.push(text) });

    expect(result).toMatchObject({ text: expected[1], model: undefined, usage: undefined });
    expect(deltas.join('')).toBe(expected[1]);
    expect(deltas.length).toBe(expected[1].split(' ').length);
    expect(await ask(assistant, streamed, 'next')).toContain('Turn 3. You said: "next". Before that you said: "Tell me more".');
  });

  it.each<[string, (adapter: LocalAssistantAdapter, signal: AbortSignal) => Promise<unknown>]>([
    ['createThread', (adapter, signal) => adapter.createThread(signal)],
    ['answer', (adapter, signal) => adapter.answer({ threadId: 'local_x', message: 'hi', signal })],
    ['a streamed answer', (adapter, signal) => adapter.answer({ threadId: 'local_x', message: 'hi', signal, onDelta: () => undefined })],
  ])('fails %s with ABORTED when the signal is already aborted', async (_name, call) => {
    const error = await outcome(() => call(assistant, AbortSignal.abort()));
    expect(error).toBeInstanceOf(AssistantError);
    expect(error).toMatchObject({ code: AssistantErrorCode.ABORTED });
  });

  // The port promises a Promise; a caller using .catch() or Promise.race would see a throw escape.
  it.each<[string, (adapter: LocalAssistantAdapter, signal: AbortSignal) => Promise<unknown>]>([
    ['createThread', (adapter, signal) => adapter.createThread(signal)],
    ['answer', (adapter, signal) => adapter.answer({ threadId: 'local_x', message: 'hi', signal })],
  ])('reports an abort from %s as a rejected promise, not a synchronous throw', async (_name, call) => {
    let result: Promise<unknown> | undefined;
    expect(() => {
      result = call(assistant, AbortSignal.abort());
    }).not.toThrow();
    await expect(result).rejects.toMatchObject({ code: AssistantErrorCode.ABORTED });
  });

  it('stops a stream aborted midway with ABORTED and does not advance the turn', async () => {
    const slow = new LocalAssistantAdapter(5);
    const thread = await slow.createThread();
    const controller = new AbortController();
    const deltas: string[] = [];

    const error = await outcome(() =>
      slow.answer({
        threadId: thread,
        message: 'a question with several words',
        signal: controller.signal,
        onDelta: (text) => {
          deltas.push(text);
          // The client goes away while the stream waits for its next word.
          if (deltas.length === 2) setImmediate(() => controller.abort());
        },
      }),
    );

    expect(error).toBeInstanceOf(AssistantError);
    expect(error).toMatchObject({ code: AssistantErrorCode.ABORTED });
    expect(deltas).toHaveLength(2);
    expect(await ask(slow, thread, 'again')).toBe(
      '[local assistant] Turn 1. You said: "again". This is our first exchange.',
    );
  });

  it('takes back a discarded turn, so the next answer neither counts nor recalls it', async () => {
    const thread = await assistant.createThread();
    await ask(assistant, thread, 'kept');
    const { receipt } = await assistant.answer({ threadId: thread, message: 'unacknowledged' });
    await assistant.discardTurn(receipt);
    expect(await ask(assistant, thread, 'next')).toBe('[local assistant] Turn 2. You said: "next". Before that you said: "kept".');
  });

  it('carries a receipt on a failed turn, and discarding it changes nothing that was kept', async () => {
    const thread = await assistant.createThread();
    await ask(assistant, thread, 'kept');
    const error = (await outcome(() => assistant.answer({ threadId: thread, message: 'gone', signal: AbortSignal.abort() }))) as AssistantError;
    expect(error.receipt).toEqual({ threadId: thread, message: 'gone', addedIds: [] });
    await assistant.discardTurn(error.receipt!);
    expect(await ask(assistant, thread, 'next')).toContain('Turn 2.');
  });
});
