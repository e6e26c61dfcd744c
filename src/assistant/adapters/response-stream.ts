import type { Stream } from 'openai/streaming';
import type { Response, ResponseStreamEvent } from 'openai/resources/responses/responses';
import type { TokenUsage } from '../assistant.port';
import { AssistantError, AssistantErrorCode } from '../errors/assistant.error';
import type { IdleWatchdog } from './idle-watchdog';
import { safeCode } from './openai-error.translator';

/** What a response has added to its conversation so far, as far as we have been told. */
export interface ResponseProgress {
  addedIds: string[];
}

/**
 * Reads a streamed response: passes on the text, notes each output item's id,
 * and returns the final response, or undefined when the stream ended without one
 * (the SDK ends the iteration quietly when the signal aborts).
 */
export async function readResponseStream(
  stream: Stream<ResponseStreamEvent>,
  watchdog: IdleWatchdog,
  progress: ResponseProgress,
  onDelta: (text: string) => void,
): Promise<Response | undefined> {
  for await (const event of stream) {
    watchdog.touch();
    switch (event.type) {
      case 'response.output_item.added':
        if (event.item.id !== undefined) progress.addedIds.push(event.item.id);
        break;
      case 'response.output_text.delta':
        onDelta(event.delta);
        break;
      case 'response.completed':
      case 'response.failed':
      case 'response.incomplete':
        return event.response;
      case 'error':
        throw new AssistantError(AssistantErrorCode.UPSTREAM_FAILED, `The assistant failed while answering (${safeCode(event.code)})`);
    }
  }
  return undefined;
}

/** The answer of a finished response; any status but `completed` is a failure, not an answer. */
export function answerOfResponse(response: Response): string {
  if (response.status !== 'completed') {
    const reason = safeCode(response.error?.code ?? response.incomplete_details?.reason, response.status ?? 'unknown');
    throw new AssistantError(AssistantErrorCode.UPSTREAM_FAILED, `The assistant's response ended ${response.status ?? 'without a status'} (${reason})`);
  }
  const text = outputText(response);
  if (text.length === 0) throw new AssistantError(AssistantErrorCode.UPSTREAM_FAILED, 'The assistant returned an empty answer');
  return text;
}

export function usageOfResponse(response: Response): TokenUsage | undefined {
  const usage = response.usage;
  if (usage === undefined || usage === null) return undefined;
  return { input_tokens: usage.input_tokens, output_tokens: usage.output_tokens, total_tokens: usage.total_tokens };
}

/** The SDK adds `output_text` only to non-streamed responses, so join the parts here. */
function outputText(response: Response): string {
  const parts: string[] = [];
  for (const item of response.output ?? []) {
    if (item.type !== 'message') continue;
    for (const content of item.content) if (content.type === 'output_text') parts.push(content.text);
  }
  return parts.join('');
}
