import { outputMessage, outputText } from './conversation-items';
import { chunkWords, type Exchange } from './http';
import { commit, finalResponse, responseObject, type Turn } from './response-turn';
import { type FakeState } from './state';

/** Streams the planned turn as the Responses API does; see AbortedStreamJoins for a stream that ends early. */
export async function streamResponse(state: FakeState, ex: Exchange, turn: Turn): Promise<void> {
  const sse = ex.startSse();
  let sequence = 0;
  const send = (type: string, payload: object) => sse.send(type, { type, sequence_number: sequence++, ...payload });
  // The output as far as it was sent; undefined until its item was announced.
  let streamed: string | undefined;
  let ended = false;
  // Settling without `ended` means the connection went first: the client left, or a stream-break cut it.
  ex.onSettled(() => {
    if (!ended) joinAborted(state, turn, streamed);
  });
  const finish = async (type: string) => {
    if (ex.signal.aborted) return;
    ended = true;
    if (turn.outcome === 'completed') commit(turn, { text: turn.output, status: 'completed' });
    await send(type, { response: finalResponse(state, turn) });
    ex.endSse(sse);
  };

  const inProgress = responseObject(turn, 'in_progress', []);
  await send('response.created', { response: inProgress });
  await send('response.in_progress', { response: inProgress });
  // Cancelled has no event of its own in the stream event union; response.failed is the nearest.
  if (turn.outcome === 'failed' || turn.outcome === 'cancelled') return finish('response.failed');

  const text = turn.output;
  const where = { item_id: turn.messageId, output_index: 0, content_index: 0 };
  streamed = '';
  await send('response.output_item.added', { output_index: 0, item: outputMessage(turn.messageId, 'in_progress', []) });
  await send('response.content_part.added', { ...where, part: outputText('') });
  const sendDelta = (delta: string) => {
    streamed += delta;
    return send('response.output_text.delta', { ...where, delta, logprobs: [] });
  };
  if (!(await sendDeltas(state, ex, text, sendDelta))) return;
  await send('response.output_text.done', { ...where, text, logprobs: [] });
  await send('response.content_part.done', { ...where, part: outputText(text) });
  await send('response.output_item.done', { output_index: 0, item: outputMessage(turn.messageId, turn.outcome, [outputText(text)]) });
  await finish(turn.outcome === 'incomplete' ? 'response.incomplete' : 'response.completed');
}

/** Sends the deltas, honouring streamDeltaDelayMs and a stream-break fault; false when the stream is over. */
async function sendDeltas(state: FakeState, ex: Exchange, text: string, sendDelta: (d: string) => Promise<boolean>): Promise<boolean> {
  const breakAfter = ex.fault?.kind === 'stream-break' ? ex.fault.afterDeltas : Infinity;
  const chunks = chunkWords(text);
  for (const [index, chunk] of chunks.entries()) {
    if (index >= breakAfter) break;
    if (state.streamDeltaDelayMs > 0 && !(await ex.sleep(state.streamDeltaDelayMs))) return false;
    if (!(await sendDelta(chunk))) return false;
    if (index === 0) state.firstDeltaSentAt.push(performance.timeOrigin + performance.now());
  }
  if (breakAfter === Infinity) return !ex.signal.aborted;
  ex.destroy();
  return false;
}

/** Only a turn that would have completed can leave anything: failed and incomplete ones never join. */
function joinAborted(state: FakeState, turn: Turn, streamed: string | undefined): void {
  if (turn.outcome !== 'completed' || state.abortedStreamJoins === 'nothing') return;
  const withOutput = state.abortedStreamJoins === 'input-and-partial-output' && streamed !== undefined;
  commit(turn, withOutput ? { text: streamed, status: 'incomplete' } : null);
}
