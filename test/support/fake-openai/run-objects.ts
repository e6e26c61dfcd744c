import { nowSeconds, randomId } from './http';
import type { AssistantDefaults, FakeRun, FakeThreadMessage, JsonBody, RunStatus } from './types';

const ACTIVE: RunStatus[] = ['queued', 'in_progress', 'requires_action', 'cancelling'];

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

/** model, temperature and max_completion_tokens given to runs.create override the assistant's. */
export function newRun(threadId: string, body: JsonBody, defaults: AssistantDefaults): FakeRun {
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
    model: body.model ?? defaults.model,
    instructions: [body.instructions, body.additional_instructions].filter(Boolean).join('\n'),
    tools: [],
    metadata: body.metadata ?? {},
    usage: null,
    temperature: body.temperature ?? defaults.temperature,
    top_p: body.top_p ?? 1,
    max_prompt_tokens: null,
    max_completion_tokens: body.max_completion_tokens ?? null,
    truncation_strategy: { type: 'auto', last_messages: null },
    response_format: 'auto',
    tool_choice: 'auto',
    parallel_tool_calls: true,
    cancelled: false,
  };
}

export function stepObject(run: FakeRun, messageId: string) {
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
