import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { TokenUsage } from '../assistant/assistant.port';

/** Seconds: a chat turn spans milliseconds (the local assistant) to minutes (a long streamed answer). */
const TURN_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
/** Seconds: a store write is an fsync or a database commit. */
const STORE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

export type StoreName = 'conversation_log' | 'thread_store';

/**
 * The app's Prometheus metrics, on a registry of its own (not prom-client's
 * global one), so two apps in one process never share or double-register them.
 * Every label set is bounded: route templates, methods, statuses, API modes,
 * error codes; never raw URLs or user ids.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  private readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from a request’s arrival to the end of its response, by route template, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: TURN_BUCKETS,
    registers: [this.registry],
  });

  private readonly upstreamDuration = new Histogram({
    name: 'chat_upstream_duration_seconds',
    help: 'Time one answer took upstream, by assistant API and outcome (ok or the error code).',
    labelNames: ['api', 'outcome'] as const,
    buckets: TURN_BUCKETS,
    registers: [this.registry],
  });

  private readonly firstDelta = new Histogram({
    name: 'chat_first_delta_seconds',
    help: 'Time from a streamed turn’s start to its first piece of answer, by assistant API.',
    labelNames: ['api'] as const,
    buckets: TURN_BUCKETS,
    registers: [this.registry],
  });

  private readonly tokens = new Counter({
    name: 'chat_tokens_total',
    help: 'Tokens the upstream reported, by direction (input or output).',
    labelNames: ['direction'] as const,
    registers: [this.registry],
  });

  readonly turnsInFlight = new Gauge({
    name: 'chat_turns_in_flight',
    help: 'Chat turns holding their user’s turn lease right now.',
    registers: [this.registry],
  });

  readonly turnsWaiting = new Gauge({
    name: 'chat_turns_waiting',
    help: 'Chat turns waiting for their user’s earlier turn to end.',
    registers: [this.registry],
  });

  private readonly storeWrite = new Histogram({
    name: 'store_write_duration_seconds',
    help: 'Time until a store change was durable, by store.',
    labelNames: ['store'] as const,
    buckets: STORE_BUCKETS,
    registers: [this.registry],
  });

  private readonly rateLimited = new Counter({
    name: 'rate_limited_total',
    help: 'Requests refused with 429 by the rate limit.',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  requestEnded(route: string, method: string, status: number, seconds: number): void {
    this.httpDuration.observe({ route, method, status: String(status) }, seconds);
  }

  answered(api: string, outcome: string, seconds: number, usage: TokenUsage | undefined): void {
    this.upstreamDuration.observe({ api, outcome }, seconds);
    if (usage === undefined) return;
    this.tokens.inc({ direction: 'input' }, usage.input_tokens);
    this.tokens.inc({ direction: 'output' }, usage.output_tokens);
  }

  firstDeltaAfter(api: string, seconds: number): void {
    this.firstDelta.observe({ api }, seconds);
  }

  /** Times a store change; the timing stands whether it succeeds or fails. */
  async storeWriting<T>(store: StoreName, write: () => Promise<T>): Promise<T> {
    const end = this.storeWrite.startTimer({ store });
    try {
      return await write();
    } finally {
      end();
    }
  }

  refusedByRateLimit(): void {
    this.rateLimited.inc();
  }
}
