import { Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { StorageError, StorageErrorCode } from '../../persistence/errors/storage.error';
import type { TurnLease, TurnLock } from '../../turns/turn-lock.port';
import { isFinished, type JobRecord, type JobRequest, type JobView, newJobId, viewOfRecord } from '../job';
import { JobQueue } from '../job-queue.port';
import type { JobRunner, TurnOutcome } from '../job-runner';
import type { JobStore } from '../job-store.port';
import type { InProcessWebhooks } from './in-process-webhooks';
import { JobRecordWriter } from './job-record.writer';

/** How often finished jobs past the retention period are removed (and once at start-up). */
const PRUNE_INTERVAL_MS = 3_600_000;

export interface InProcessQueueSettings {
  retentionMs: number;
  /** How long a shutdown lets running jobs finish before it stops them. */
  graceMs: number;
}

interface ActiveJob {
  stop: AbortController;
  /** The job holds its turn (it is past waiting in line). */
  started: boolean;
  done: Promise<void>;
}

/**
 * The queue of one process (no REDIS_URL), its state in the JobStore. A job
 * takes its place in its user's turn line when it is accepted, before the 202,
 * so that it runs after every turn of that user that came before it and before
 * every one that comes after: its order is as strict as live requests' own.
 * At start-up every unfinished job takes its place again, oldest first, before
 * the service takes requests.
 */
export class InProcessJobQueue extends JobQueue implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Jobs');
  private readonly active = new Map<string, ActiveJob>();
  private closing = false;
  private lastCreatedAt = 0;
  private pruneTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: JobStore,
    private readonly turns: TurnLock,
    private readonly runner: JobRunner,
    private readonly webhooks: InProcessWebhooks,
    private readonly settings: InProcessQueueSettings,
  ) {
    super();
  }

  async submit(request: JobRequest): Promise<JobView> {
    if (this.closing) throw new StorageError(StorageErrorCode.UNAVAILABLE, 'The service is shutting down; submit the job again');
    const record: JobRecord = { id: newJobId(), ...request, status: 'queued', phase: 'pending', createdAt: this.nextCreatedAt() };
    const stop = new AbortController();
    const place = this.turns.acquire(request.user, stop.signal);
    try {
      await this.store.put(record);
    } catch (error) {
      stop.abort();
      void place.then((lease) => lease.release(), () => undefined);
      throw error;
    }
    this.start(record, place, stop);
    return viewOfRecord(record);
  }

  async find(id: string): Promise<JobView | undefined> {
    const record = await this.store.get(id);
    return record === undefined ? undefined : viewOfRecord(record);
  }

  checkHealth(): Promise<void> {
    return this.store.checkHealth();
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.prune();
    for (const record of await this.store.unsettled()) {
      this.lastCreatedAt = Math.max(this.lastCreatedAt, record.createdAt);
      if (isFinished(record.status)) {
        this.webhooks.schedule(record);
        continue;
      }
      this.logger.log(`resuming job ${record.id} (${record.status}, phase ${record.phase})`);
      const stop = new AbortController();
      this.start(record, this.turns.acquire(record.user, stop.signal), stop);
    }
    this.pruneTimer = setInterval(() => void this.prune(), Math.min(PRUNE_INTERVAL_MS, this.settings.retentionMs)).unref();
  }

  /**
   * Jobs still waiting in line stay queued for the next start; running ones
   * get the grace period to finish, then are stopped like a live turn whose
   * client leaves (see JobRunner for what that means for each phase).
   */
  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    clearInterval(this.pruneTimer);
    for (const job of this.active.values()) if (!job.started) job.stop.abort();
    const all = (): Promise<unknown> => Promise.all([...this.active.values()].map((job) => job.done));
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([all().then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), this.settings.graceMs)))]);
    clearTimeout(timer);
    if (!finished) {
      this.logger.warn(`stopping ${this.active.size} job(s) still running after ${this.settings.graceMs} ms`);
      for (const job of this.active.values()) job.stop.abort();
      await all();
    }
    await this.webhooks.close();
  }

  private start(record: JobRecord, place: Promise<TurnLease>, stop: AbortController): void {
    const job: ActiveJob = { stop, started: false, done: Promise.resolve() };
    job.done = this.execute(record, place, job)
      .catch((error: unknown) => this.logger.error(`job ${record.id} failed unexpectedly`, (error as Error)?.stack))
      .finally(() => this.active.delete(record.id));
    this.active.set(record.id, job);
  }

  private async execute(record: JobRecord, place: Promise<TurnLease>, job: ActiveJob): Promise<void> {
    const writer = new JobRecordWriter(this.store, record);
    const granted = place.then(async (lease) => {
      job.started = true;
      try {
        await writer.update((current) => (isFinished(current.status) ? current : { ...current, status: 'running' }));
      } catch (error) {
        lease.release();
        throw error;
      }
      return lease;
    });
    granted.catch(() => undefined);
    const outcome = await this.runner.run({
      job: record,
      place: granted,
      signal: job.stop.signal,
      progress: {
        asking: () => writer.update((current) => ({ ...current, phase: 'asking' })),
        answered: (answer) => writer.update((current) => ({ ...current, phase: 'answered', answer })),
        reset: () => writer.update(({ answer: _dropped, ...current }) => ({ ...current, phase: 'pending' })),
      },
    });
    await this.settle(writer, outcome);
  }

  private async settle(writer: JobRecordWriter, outcome: TurnOutcome): Promise<void> {
    if (outcome.kind === 'stopped') {
      // Nothing went upstream: the next start runs it from its place in line.
      await writer.update(({ answer: _dropped, ...current }) => ({ ...current, status: 'queued', phase: 'pending' })).catch(() => undefined);
      return;
    }
    const finishedAt = Date.now();
    const finished = await writer.finish((current) => {
      const { error: _error, answer: _answer, ...rest } = current;
      const delivery = current.callbackUrl === undefined ? undefined : { state: 'pending' as const, attempts: 0 };
      const common = { ...rest, finishedAt, ...(delivery === undefined ? {} : { delivery }) };
      return outcome.kind === 'succeeded'
        ? { ...common, status: 'succeeded', phase: 'answered', answer: outcome.answer }
        : { ...common, status: 'failed', error: outcome.error };
    }, () => this.closing);
    if (finished !== undefined) this.webhooks.schedule(finished);
  }

  /** Unique within the process, so that one user's jobs keep their order after a restart. */
  private nextCreatedAt(): number {
    this.lastCreatedAt = Math.max(Date.now(), this.lastCreatedAt + 1);
    return this.lastCreatedAt;
  }

  private async prune(): Promise<void> {
    try {
      const removed = await this.store.removeFinished(Date.now() - this.settings.retentionMs);
      if (removed > 0) this.logger.log(`removed ${removed} finished job(s) past JOB_RETENTION_MS`);
    } catch (error) {
      this.logger.warn(`could not remove finished jobs: ${(error as Error).message}`);
    }
  }
}
