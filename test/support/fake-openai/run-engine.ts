import { chunkWords, nowSeconds, randomId, wordCount } from './http';
import { messageObject, newRun, runObject, stepObject } from './run-objects';
import { type FakeState } from './state';
import type { FakeRun, FakeThread, FakeThreadMessage, JsonBody, RunOutcome, RunStatus } from './types';

/** Receives the run's wire events; the pseudo event 'done' means the stream should end. */
export type RunListener = (event: string, data: unknown) => void;

export interface RunPlan {
  outcome?: RunOutcome;
  lastErrorCode?: string;
}

const LAST_ERROR_MESSAGES: Record<string, string> = {
  server_error: 'Sorry, something went wrong.',
  rate_limit_exceeded: 'You exceeded your current quota, please check your plan and billing details.',
};

/** Creates runs and moves them through their lifecycle with timers, telling stream listeners as it goes. */
export class RunEngine {
  private readonly listeners = new Map<string, Set<RunListener>>();
  private readonly drivers = new Map<string, AbortController>();
  /** The answer each run is writing, so a run cancelled halfway still reports what it wrote. */
  private readonly drafts = new Map<string, FakeThreadMessage>();

  constructor(private readonly state: FakeState) {}

  create(thread: FakeThread, body: JsonBody): FakeRun {
    const run = newRun(thread.id, body, this.state.assistantDefaults);
    this.state.runs.set(run.id, run);
    thread.activeRunId = run.id;
    return run;
  }

  /** A run left in_progress by a crashed process: nothing drives it, only cancel ends it. */
  createStale(thread: FakeThread): FakeRun {
    const run = this.create(thread, { assistant_id: 'asst_stale' });
    run.status = 'in_progress';
    run.started_at = run.created_at;
    return run;
  }

  subscribe(runId: string, listener: RunListener): () => void {
    const set = this.listeners.get(runId) ?? new Set<RunListener>();
    set.add(listener);
    this.listeners.set(runId, set);
    return () => set.delete(listener);
  }

  start(run: FakeRun, plan: RunPlan): void {
    this.emit(run, 'thread.run.created', runObject(run));
    this.emit(run, 'thread.run.queued', runObject(run));
    const controller = new AbortController();
    this.drivers.set(run.id, controller);
    void this.drive(run, plan, controller.signal).finally(() => this.drivers.delete(run.id));
  }

  /** Returns the run as the cancel call answers it ('cancelling'); the stored run is cancelled at once. */
  cancel(run: FakeRun): ReturnType<typeof runObject> {
    this.drivers.get(run.id)?.abort();
    run.cancelled = true;
    this.setStatus(run, 'cancelling');
    const answer = runObject(run);
    this.endAs(run, 'cancelled');
    return answer;
  }

  private async drive(run: FakeRun, plan: RunPlan, signal: AbortSignal): Promise<void> {
    const sleep = (ms: number) => this.state.timers.sleep(ms, signal);
    const duration = this.state.runDurationMs;
    if (!(await sleep(0))) return;
    run.started_at = nowSeconds();
    this.setStatus(run, 'in_progress');
    if (plan.outcome && plan.outcome !== 'incomplete') {
      if (await sleep(duration)) this.endWithoutMessage(run, plan);
      return;
    }

    const thread = this.state.threads.get(run.thread_id)!;
    // An answer longer than max_completion_tokens words stops there, as the real model stops at the limit.
    const limit = plan.outcome === 'incomplete' ? 2 : (run.max_completion_tokens ?? Infinity);
    const answerChunks = chunkWords(this.answerIn(thread));
    const incomplete = plan.outcome === 'incomplete' || answerChunks.length > limit;
    const chunks = answerChunks.slice(0, limit);
    const pause = duration / (chunks.length + 1);
    const message: FakeThreadMessage = {
      id: randomId('msg', 12),
      role: 'assistant',
      text: '',
      created_at: nowSeconds(),
      run_id: run.id,
      assistant_id: run.assistant_id,
    };
    this.drafts.set(run.id, message);
    const step = stepObject(run, message.id);
    this.emit(run, 'thread.run.step.created', step);
    this.emit(run, 'thread.message.created', messageObject(message, thread.id, 'in_progress'));
    this.emit(run, 'thread.message.in_progress', messageObject(message, thread.id, 'in_progress'));
    for (const chunk of chunks) {
      if (!(await sleep(pause))) return;
      message.text += chunk;
      this.emit(run, 'thread.message.delta', {
        id: message.id,
        object: 'thread.message.delta',
        delta: { content: [{ index: 0, type: 'text', text: { value: chunk, annotations: [] } }] },
      });
    }
    if (!(await sleep(pause))) return;
    this.endWithMessage(run, thread, message, step, incomplete);
  }

  private endWithMessage(
    run: FakeRun,
    thread: FakeThread,
    message: FakeThreadMessage,
    step: ReturnType<typeof stepObject>,
    incomplete: boolean,
  ): void {
    if (incomplete) {
      this.emit(run, 'thread.message.incomplete', messageObject(message, thread.id, 'incomplete'));
    } else {
      thread.messages.push(message);
      this.emit(run, 'thread.message.completed', messageObject(message, thread.id));
    }
    const completedAt = nowSeconds();
    this.emit(run, 'thread.run.step.completed', { ...step, status: 'completed', completed_at: completedAt });
    if (incomplete) run.incomplete_details = { reason: 'max_completion_tokens' };
    else run.completed_at = completedAt;
    this.endAs(run, incomplete ? 'incomplete' : 'completed');
  }

  private endWithoutMessage(run: FakeRun, plan: RunPlan): void {
    switch (plan.outcome) {
      case 'failed': {
        const code = plan.lastErrorCode ?? 'server_error';
        run.failed_at = nowSeconds();
        run.last_error = { code, message: LAST_ERROR_MESSAGES[code] ?? 'Sorry, something went wrong.' };
        return this.endAs(run, 'failed');
      }
      case 'expired':
        run.expires_at = nowSeconds();
        return this.endAs(run, 'expired');
      case 'cancelled':
        this.setStatus(run, 'cancelling');
        return this.endAs(run, 'cancelled');
      case 'requires_action':
        run.required_action = {
          type: 'submit_tool_outputs',
          submit_tool_outputs: {
            tool_calls: [{ id: randomId('call', 12), type: 'function', function: { name: 'lookup', arguments: '{}' } }],
          },
        };
        this.setStatus(run, 'requires_action');
        return this.emit(run, 'done', '[DONE]');
    }
  }

  /** Moves the run to a terminal status with its usage, frees the thread and ends any stream. */
  private endAs(run: FakeRun, status: RunStatus): void {
    if (status === 'cancelled') run.cancelled_at = nowSeconds();
    const thread = this.state.threads.get(run.thread_id);
    this.setUsage(run, thread);
    if (thread?.activeRunId === run.id) thread.activeRunId = undefined;
    this.setStatus(run, status);
    this.emit(run, 'done', '[DONE]');
    this.listeners.delete(run.id);
  }

  /** The prompt is the thread as the run found it: nothing can join or leave it while the run is active. */
  private setUsage(run: FakeRun, thread: FakeThread | undefined): void {
    const input = (thread?.messages ?? []).filter((m) => m.run_id !== run.id).reduce((sum, m) => sum + wordCount(m.text), 0);
    const output = wordCount(this.drafts.get(run.id)?.text ?? '');
    this.drafts.delete(run.id);
    run.usage = { prompt_tokens: input, completion_tokens: output, total_tokens: input + output };
    this.state.reportedUsage.push({ kind: 'run', id: run.id, conversationOrThreadId: run.thread_id, input, output, total: input + output });
  }

  private setStatus(run: FakeRun, status: RunStatus): void {
    run.status = status;
    this.emit(run, `thread.run.${status}`, runObject(run));
  }

  private answerIn(thread: FakeThread): string {
    const userMessages = thread.messages.filter((m) => m.role === 'user');
    return this.state.answerFor(userMessages.at(-1)?.text ?? '', userMessages.length);
  }

  private emit(run: FakeRun, event: string, data: unknown): void {
    for (const listener of [...(this.listeners.get(run.id) ?? [])]) listener(event, data);
  }
}
