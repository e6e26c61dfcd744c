import { type Exchange, modelNotFound, nowSeconds, pageOf, randomId, type Route } from './http';
import { type RunEngine } from './run-engine';
import { isActive, messageObject, runObject } from './run-objects';
import { type FakeState } from './state';
import type { FakeRun, FakeThread } from './types';

const BETA_MESSAGE =
  "You must provide the 'OpenAI-Beta' header to access the Assistants API. Please try again by setting the header 'OpenAI-Beta: assistants=v2'.";

export function assistantRoutes(state: FakeState, engine: RunEngine): Route[] {
  const thread = (handle: (t: FakeThread, ex: Exchange) => void | Promise<void>) => (ex: Exchange) => {
    const found = state.liveThread(ex.params.id);
    return found ? handle(found, ex) : ex.error(404, `No thread found with id '${ex.params.id}'.`);
  };
  const run = (handle: (r: FakeRun, ex: Exchange) => void) =>
    thread((t, ex) => {
      const found = state.runs.get(ex.params.runId);
      if (found && found.thread_id === t.id) handle(found, ex);
      else ex.error(404, `No run found with id '${ex.params.runId}'.`);
    });

  const routes: Array<Omit<Route, 'guard'>> = [
    { method: 'POST', pattern: '/v1/threads', handle: (ex) => createThread(state, ex) },
    { method: 'GET', pattern: '/v1/threads/:id', handle: thread((t, ex) => ex.json(200, threadObject(t))) },
    { method: 'DELETE', pattern: '/v1/threads/:id', handle: thread(deleteThread) },
    { method: 'POST', pattern: '/v1/threads/:id/messages', handle: thread(addMessage) },
    { method: 'GET', pattern: '/v1/threads/:id/messages', handle: thread(listMessages) },
    { method: 'DELETE', pattern: '/v1/threads/:id/messages/:messageId', handle: thread(deleteMessage) },
    { method: 'POST', pattern: '/v1/threads/:id/runs', handle: thread((t, ex) => createRun(state, engine, t, ex)) },
    { method: 'GET', pattern: '/v1/threads/:id/runs/:runId', handle: run((r, ex) => ex.json(200, runObject(r))) },
    { method: 'POST', pattern: '/v1/threads/:id/runs/:runId/cancel', handle: run((r, ex) => cancelRun(engine, r, ex)) },
  ];
  return routes.map((route) => ({ ...route, guard: requireBetaHeader }));
}

function requireBetaHeader(ex: Exchange): boolean {
  const beta = String(ex.req.headers['openai-beta'] ?? '');
  if (beta.split(',').some((v) => v.trim() === 'assistants=v2')) return true;
  ex.error(400, BETA_MESSAGE, 'invalid_request_error', null, 'invalid_beta');
  return false;
}

function createThread(state: FakeState, ex: Exchange): void {
  const created: FakeThread = { id: randomId('thread', 12), created_at: nowSeconds(), metadata: ex.body.metadata ?? {}, messages: [] };
  state.threads.set(created.id, created);
  for (const m of Array.isArray(ex.body.messages) ? ex.body.messages : []) appendMessage(created, m.role, m.content);
  ex.json(200, threadObject(created));
}

function deleteThread(thread: FakeThread, ex: Exchange): void {
  thread.deleted = true;
  ex.json(200, { id: thread.id, object: 'thread.deleted', deleted: true });
}

function addMessage(thread: FakeThread, ex: Exchange): void {
  if (thread.activeRunId) {
    return ex.error(400, `Can't add messages to ${thread.id} while a run ${thread.activeRunId} is active.`);
  }
  const { role, content } = ex.body;
  if (role !== 'user' && role !== 'assistant') {
    return ex.error(400, `Invalid value: '${role}'. Value must be one of 'user' or 'assistant'.`, 'invalid_request_error', 'role', 'invalid_value');
  }
  ex.json(200, messageObject(appendMessage(thread, role, content), thread.id));
}

function listMessages(thread: FakeThread, ex: Exchange): void {
  const runId = ex.record.query.run_id;
  const messages = runId ? thread.messages.filter((m) => m.run_id === runId) : thread.messages;
  const page = pageOf(messages, ex.record.query);
  ex.json(200, { object: 'list', ...page, data: page.data.map((m) => messageObject(m, thread.id)) });
}

/** The message text for a busy thread is a guess modelled on the one messages.create answers. */
function deleteMessage(thread: FakeThread, ex: Exchange): void {
  if (thread.activeRunId) {
    return ex.error(400, `Can't delete messages in ${thread.id} while a run ${thread.activeRunId} is active.`);
  }
  const index = thread.messages.findIndex((m) => m.id === ex.params.messageId);
  if (index < 0) return ex.error(404, `No message found with id '${ex.params.messageId}'.`);
  thread.messages.splice(index, 1);
  ex.json(200, { id: ex.params.messageId, object: 'thread.message.deleted', deleted: true });
}

function createRun(state: FakeState, engine: RunEngine, thread: FakeThread, ex: Exchange): void {
  if (thread.activeRunId) return ex.error(400, `Thread ${thread.id} already has an active run ${thread.activeRunId}.`);
  if (typeof ex.body.assistant_id !== 'string') {
    return ex.error(400, "Missing required parameter: 'assistant_id'.", 'invalid_request_error', 'assistant_id', 'missing_required_parameter');
  }
  if (typeof ex.body.model === 'string' && !state.knowsModel(ex.body.model)) return ex.json(400, modelNotFound(ex.body.model));
  const created = engine.create(thread, ex.body);
  const plan = ex.fault?.kind === 'run-outcome' ? { outcome: ex.fault.status, lastErrorCode: ex.fault.lastErrorCode } : {};
  if (ex.body.stream === true) streamRun(engine, created, ex);
  else ex.json(200, runObject(created));
  engine.start(created, plan);
}

/** Relays the run's events. A client that goes away stops the relay, never the run. */
function streamRun(engine: RunEngine, run: FakeRun, ex: Exchange): void {
  const sse = ex.startSse();
  const breakAfter = ex.fault?.kind === 'stream-break' ? ex.fault.afterDeltas : Infinity;
  let deltas = 0;
  const breakStream = (afterWrite: Promise<unknown>) => {
    unsubscribe();
    void afterWrite.then(() => ex.destroy());
  };
  const unsubscribe = engine.subscribe(run.id, (event, data) => {
    if (event === 'done') {
      unsubscribe();
      void sse.sendDone().then(() => ex.endSse(sse));
    } else if (event !== 'thread.message.delta') {
      void sse.send(event, data);
    } else if (deltas >= breakAfter) {
      breakStream(Promise.resolve());
    } else {
      deltas++;
      const sent = sse.send(event, data);
      if (deltas >= breakAfter) breakStream(sent);
    }
  });
  ex.signal.addEventListener('abort', unsubscribe, { once: true });
}

function cancelRun(engine: RunEngine, run: FakeRun, ex: Exchange): void {
  if (!isActive(run)) return ex.error(400, `Cannot cancel run with status '${run.status}'.`, 'invalid_request_error', null, null);
  ex.json(200, engine.cancel(run));
}

function appendMessage(thread: FakeThread, role: 'user' | 'assistant', content: unknown) {
  const message = { id: randomId('msg', 12), role, text: contentText(content), created_at: nowSeconds(), run_id: null, assistant_id: null };
  thread.messages.push(message);
  return message;
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (typeof part?.text === 'string' ? part.text : (part?.text?.value ?? ''))).join('');
}

function threadObject(t: FakeThread) {
  return { id: t.id, object: 'thread', created_at: t.created_at, metadata: t.metadata, tool_resources: {} };
}
