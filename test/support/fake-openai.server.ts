import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { assistantRoutes } from './fake-openai/assistants-routes';
import { applyFault, FaultQueue, routeMatches } from './fake-openai/faults';
import { Exchange, randomId, type Route } from './fake-openai/http';
import { conversationRoutes } from './fake-openai/conversation-routes';
import { responseRoutes } from './fake-openai/responses-routes';
import { BodyParseError, readJson } from './fake-openai/request-body';
import { matchPattern, requestMatches } from './fake-openai/route-pattern';
import { RunEngine } from './fake-openai/run-engine';
import { FakeState } from './fake-openai/state';
import type {
  AbortedStreamJoins,
  AssistantDefaults,
  FakeConversation,
  FakeRun,
  FakeThread,
  Fault,
  RecordedRequest,
  ReportedUsage,
} from './fake-openai/types';

export type {
  AbortedStreamJoins,
  AssistantDefaults,
  ConversationItem,
  FakeConversation,
  FakeRun,
  FakeThread,
  FakeThreadMessage,
  Fault,
  JsonBody,
  RecordedRequest,
  ReportedUsage,
  RunOutcome,
} from './fake-openai/types';

const STALE_RUN_PATTERNS = ['/v1/threads/:id/messages', '/v1/threads/:id/runs'];

/**
 * A fake OpenAI HTTP API (Conversations + Responses, Assistants v2 threads and runs)
 * on 127.0.0.1 for end-to-end tests; point the SDK's baseURL at `baseURL`.
 */
export class FakeOpenAiServer {
  readonly baseURL: string;
  readonly requests: RecordedRequest[] = [];
  /** 'METHOD /path' of calls no route handles (answered 404). */
  readonly unexpected: string[] = [];
  /** Exceptions thrown by the fake itself (answered 500); a non-empty list is a bug in the fake. */
  readonly errors: string[] = [];

  private readonly state = new FakeState();
  private readonly engine = new RunEngine(this.state);
  private readonly faults = new FaultQueue();
  private readonly sockets = new Set<Socket>();
  private readonly routes: Route[] = [
    ...conversationRoutes(this.state),
    ...responseRoutes(this.state),
    ...assistantRoutes(this.state, this.engine),
  ];

  private constructor(private readonly server: Server) {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    this.baseURL = `http://127.0.0.1:${port}/v1`;
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res));
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /** Whether `requests` keeps every request; benchmarks turn it off to keep memory flat. */
  recordRequests = true;

  static async start(options: { latencyMs?: number; port?: number } = {}): Promise<FakeOpenAiServer> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    const fake = new FakeOpenAiServer(server);
    fake.latencyMs = options.latencyMs ?? 0;
    return fake;
  }

  /** Delay before answering every request. */
  get latencyMs(): number {
    return this.state.latencyMs;
  }
  set latencyMs(ms: number) {
    this.state.latencyMs = ms;
  }

  /** Assistants: how long a run takes from created to its outcome. */
  get runDurationMs(): number {
    return this.state.runDurationMs;
  }
  set runDurationMs(ms: number) {
    this.state.runDurationMs = ms;
  }

  /** Responses streaming: pause before each output_text delta. */
  get streamDeltaDelayMs(): number {
    return this.state.streamDeltaDelayMs;
  }
  set streamDeltaDelayMs(ms: number) {
    this.state.streamDeltaDelayMs = ms;
  }

  /** Responses streaming: what a stream that ends before its last event leaves in the conversation (default 'nothing'). */
  get abortedStreamJoins(): AbortedStreamJoins {
    return this.state.abortedStreamJoins;
  }
  set abortedStreamJoins(joins: AbortedStreamJoins) {
    this.state.abortedStreamJoins = joins;
  }

  /** When set, any other model in /v1/responses or a runs.create override is answered 400 model_not_found. */
  get knownModels(): Set<string> | undefined {
    return this.state.knownModels;
  }
  set knownModels(models: Set<string> | undefined) {
    this.state.knownModels = models;
  }

  /** What a run reports when runs.create does not override it (default gpt-4o, temperature 1). */
  get assistantDefaults(): AssistantDefaults {
    return this.state.assistantDefaults;
  }
  set assistantDefaults(defaults: AssistantDefaults) {
    this.state.assistantDefaults = defaults;
  }

  /** The usage of every response and terminal run, in the order the fake put it on the wire. */
  get reportedUsage(): readonly ReportedUsage[] {
    return this.state.reportedUsage;
  }

  get conversations(): Map<string, FakeConversation> {
    return this.state.conversations;
  }

  get threads(): Map<string, FakeThread> {
    return this.state.threads;
  }

  get runs(): Map<string, FakeRun> {
    return this.state.runs;
  }

  /** Faults injected but not used up yet. */
  get pendingFaults(): Fault[] {
    return this.faults.pending;
  }

  /** Epoch milliseconds (sub-ms precision) at which each streamed Responses answer sent its first delta. */
  get firstDeltaSentAt(): readonly number[] {
    return this.state.firstDeltaSentAt;
  }

  maxConcurrentPerConversation(): number {
    return this.state.maxConcurrentPerConversation();
  }

  /** Recorded requests (so none while recordRequests is off) to 'METHOD /path', where ':name' segments match any value. */
  countRequests(route: string): number {
    return this.requests.filter((r) => requestMatches(route, r.method, r.path)).length;
  }

  inject(fault: Fault): void {
    this.faults.push(fault);
  }

  answerFor(input: string, turn: number): string {
    return this.state.answerFor(input, turn);
  }

  /** Clears requests, faults, reported usage and all conversations/threads/runs; keeps the settings (latencyMs and the like). */
  reset(): void {
    this.requests.length = 0;
    this.unexpected.length = 0;
    this.errors.length = 0;
    this.faults.clear();
    this.state.reset();
  }

  async stop(): Promise<void> {
    this.state.stopping = true;
    this.state.timers.clearAll();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('x-request-id', randomId('req', 16));
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body: undefined,
      aborted: false,
    };
    if (this.recordRequests) this.requests.push(record);
    const ex = new Exchange(req, res, record, this.state.timers, () => this.state.stopping);
    try {
      record.body = await readJson(req);
      await this.dispatch(ex);
    } catch (err) {
      if (res.destroyed) return;
      if (err instanceof BodyParseError) {
        return ex.error(400, 'We could not parse the JSON body of your request. (HINT: This likely means you aren\'t using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)');
      }
      this.errors.push(`${record.method} ${record.path}: ${(err as Error)?.stack ?? String(err)}`);
      ex.error(500, `fake server error: ${(err as Error)?.message ?? String(err)}`, 'server_error');
    }
  }

  private async dispatch(ex: Exchange): Promise<void> {
    const { method, path } = ex.record;
    const route = this.match(ex);
    if (!route) {
      this.unexpected.push(`${method} ${path}`);
      return ex.error(404, `Invalid URL (${method} ${path})`);
    }
    route.onArrival?.(ex);
    if (this.latencyMs > 0 && !(await ex.sleep(this.latencyMs))) return;
    if (route.guard && !route.guard(ex)) return;
    this.leaveStaleRunIfAsked(route, ex);
    const fault = this.faults.take(
      (f) => f.kind !== 'stale-active-run' && routeMatches(f, method, route.pattern, path) && (f.kind !== 'stream-break' || ex.body.stream === true),
    );
    if (fault && !(await applyFault(fault, ex))) return;
    await route.handle(ex);
  }

  private match(ex: Exchange): Route | undefined {
    for (const route of this.routes) {
      if (route.method !== ex.record.method) continue;
      const params = matchPattern(route.pattern, ex.record.path);
      if (params) {
        ex.params = params;
        return route;
      }
    }
    return undefined;
  }

  private leaveStaleRunIfAsked(route: Route, ex: Exchange): void {
    if (route.method !== 'POST' || !STALE_RUN_PATTERNS.includes(route.pattern)) return;
    const thread = this.state.liveThread(ex.params.id);
    if (!thread || thread.activeRunId) return;
    const fault = this.faults.take((f) => f.kind === 'stale-active-run' && (f.threadId === undefined || f.threadId === thread.id));
    if (fault) this.engine.createStale(thread);
  }
}
