import type { AssistantStreamEvent } from 'openai/resources/beta/assistants';
import type { Run } from 'openai/resources/beta/threads/runs/runs';
import { AssistantError, AssistantErrorCode } from '../errors/assistant.error';
import { safeCode } from './openai-error.translator';

/** What one streamed run has produced so far. */
export interface RunProgress {
  runId: string | undefined;
  /** Ids of the messages the run added to the thread. */
  messageIds: string[];
  /** Completed assistant messages of this run, in order. */
  messages: string[];
  /** Text received as deltas, for when no completed message arrives. */
  deltas: string;
  /** Set once the run has ended, one way or another. */
  outcome: { run: Run } | undefined;
}

export function startProgress(): RunProgress {
  return { runId: undefined, messageIds: [], messages: [], deltas: '', outcome: undefined };
}

/** Folds one wire event into `progress`; returns the text delta it carried, if any. */
export function applyRunEvent(progress: RunProgress, event: AssistantStreamEvent): string | undefined {
  switch (event.event) {
    case 'thread.run.created':
      progress.runId = event.data.id;
      return undefined;
    case 'thread.message.created':
      if (!progress.messageIds.includes(event.data.id)) progress.messageIds.push(event.data.id);
      return undefined;
    case 'thread.message.delta': {
      let text = '';
      for (const part of event.data.delta.content ?? []) if (part.type === 'text') text += part.text?.value ?? '';
      progress.deltas += text;
      return text.length > 0 ? text : undefined;
    }
    case 'thread.message.completed':
      if (event.data.role === 'assistant') progress.messages.push(messageText(event.data.content));
      return undefined;
    case 'thread.run.completed':
    case 'thread.run.failed':
    case 'thread.run.expired':
    case 'thread.run.cancelled':
    case 'thread.run.incomplete':
    case 'thread.run.requires_action':
      progress.runId = event.data.id;
      progress.outcome = { run: event.data };
      return undefined;
    case 'error':
      throw new AssistantError(AssistantErrorCode.UPSTREAM_FAILED, `The assistant's run stream reported an error (${safeCode(event.data.code)})`);
    default:
      return undefined;
  }
}

/** The answer of a completed run, or the failure that its status means. */
export function answerOfRun(progress: RunProgress): string {
  const run = progress.outcome?.run;
  if (run === undefined) {
    throw new AssistantError(AssistantErrorCode.UPSTREAM_FAILED, 'The assistant stream ended before the run did');
  }
  if (run.status !== 'completed') throw runFailure(run);
  const answer = progress.messages.length > 0 ? progress.messages.join('\n\n') : progress.deltas;
  if (answer.length === 0) throw new AssistantError(AssistantErrorCode.UPSTREAM_FAILED, 'The assistant returned an empty answer');
  return answer;
}

export function runFailure(run: Run): AssistantError {
  if (run.status === 'requires_action') {
    return new AssistantError(
      AssistantErrorCode.UPSTREAM_FAILED,
      `The assistant asked for a tool call (${run.required_action?.type ?? 'requires_action'}), which this service does not serve; the run was cancelled`,
    );
  }
  const reason = safeCode(run.last_error?.code ?? run.incomplete_details?.reason, run.status);
  return new AssistantError(AssistantErrorCode.UPSTREAM_FAILED, `The assistant's run ended ${run.status} (${reason})`);
}

function messageText(content: ReadonlyArray<{ type: string; text?: { value: string } }>): string {
  return content.map((part) => (part.type === 'text' ? (part.text?.value ?? '') : '')).join('');
}
