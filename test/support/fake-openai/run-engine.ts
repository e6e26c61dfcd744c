import { chunkWords, nowSeconds, randomId } from './http';
import { type FakeState } from './state';
import type { FakeRun, FakeThread, FakeThreadMessage, JsonBody, RunOutcome, RunStatus } from './types';

/** Receives the run's wire events; the pseudo event 'done' means the stream should end. */
export type RunListener = (event: string, data: unknown) => void;

export interface RunPlan {
  outcome?: RunOutcome;
  lastErrorCode?: string;
}

const ACTIVE: RunStatus[] = ['queued', 'in_progress', 'requires_action', 'cancelling'];

const LAST_ERROR_MESSAGES: Record<string, string> = {
  server_error: 'Sorry, something went wrong.',
  rate_limit_exceeded: 'You exceeded your current quota, please check your plan and billing details.',
};

export function isActive(run: FakeRun): boolean {
  return ACTIVE.includes(run.status);
}

export function runObject(run: FakeRun) {
  const { cancelled: _internal, ...wire } = run;
  return { ...wire };
}

export function messageObject(m: FakeThreadMessage, threadId: string, status = 'completed') {
  return {
    id: m.id,
    object: 'thread.message',
    created_at: m.created_at,
    thread_id: threadId,
    role: m.role,
    content: m.text ? [{ type: 'text', text: { value: m.text, annotations: [] } }] : [],
    assistant_id: m.assistant_id,
    run_id: m.run_id,
    attachments: [],
    metadata: {},
    status,
    completed_at: status === 'completed' ? m.created_at : null,
    incomplete_at: status === 'incomplete' ? nowSeconds() : null,
    incomplete_details: status === 'incomplete' ? { reason: 'max_tokens' } : null,
  };
}

/** Creates runs and moves them through their lifecycle with timers, telling stream listeners as it goes. */
export class RunEngine {
  private readonly listeners = new Map<string, Set<RunListener>>();
  private readonly drivers = new Map<string, AbortController>();

  constructor(private readonly state: FakeState) {}

  create(thread: FakeThread, body: JsonBody): FakeRun {
    const run = newRun(thread.id, body);
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
    const answer = this.answerIn(thread);
    const text = plan.outcome === 'incomplete' ? chunkWords(answer).slice(0, 2).join('') : answer;
    const chunks = chunkWords(text);
    const pause = duration / (chunks.length + 1);
    const message: FakeThreadMessage = {
      id: randomId('msg', 12),
      role: 'assistant',
      text: '',
      created_at: nowSeconds(),
      run_id: run.id,
      assistant_id: run.assistant_id,
    };
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
    this.endWithMessage(run, thread, message, step, plan.outcome === 'incomplete');
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
    const completionTokens = chunkWords(message.text).length;
    const promptTokens = thread.messages.reduce((sum, m) => sum + chunkWords(m.text).length, 0);
    run.usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
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

  /** Moves the run to a terminal status, frees the thread and ends any stream. */
  private endAs(run: FakeRun, status: RunStatus): void {
    if (status === 'cancelled') run.cancelled_at = nowSeconds();
    const thread = this.state.threads.get(run.thread_id);
    if (thread?.activeRunId === run.id) thread.activeRunId = undefined;
    this.setStatus(run, status);
    this.emit(run, 'done', '[DONE]');
    this.listeners.delete(run.id);
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

function newRun(threadId: string, body: JsonBody): FakeRun {
  const createdAt = nowSeconds();
  return {
    id: randomId('run', 12),
    object: 'thread.run',
    created_at: createdAt,
    thread_id: threadId,
    assistant_id: body.assistant_id,
    status: 'queued',
    required_action: null,
    last_error: null,
    expires_at: createdAt + 600,
    started_at: null,
    cancelled_at: null,
    failed_at: null,
    completed_at: null,
    incomplete_details: null,
    model: body.model ?? 'gpt-4o',
    instructions: [body.instructions, body.additional_instructions].filter(Boolean).join('\n'),
    tools: [],
    metadata: body.metadata ?? {},
    usage: null,
    temperature: body.temperature ?? 1,
    top_p: body.top_p ?? 1,
    max_prompt_tokens: null,
    max_completion_tokens: null,
    truncation_strategy: { type: 'auto', last_messages: null },
    response_format: 'auto',
    tool_choice: 'auto',
    parallel_tool_calls: true,
    cancelled: false,
  };
}

function stepObject(run: FakeRun, messageId: string) {
  return {
    id: randomId('step', 12),
    object: 'thread.run.step',
    created_at: nowSeconds(),
    run_id: run.id,
    assistant_id: run.assistant_id,
    thread_id: run.thread_id,
    type: 'message_creation',
    status: 'in_progress',
    cancelled_at: null,
    completed_at: null as number | null,
    expired_at: null,
    failed_at: null,
    last_error: null,
    metadata: {},
    step_details: { type: 'message_creation', message_creation: { message_id: messageId } },
    usage: null,
  };
}
