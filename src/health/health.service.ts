import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { AssistantService } from '../assistant/assistant.port';
import { redisConfig } from '../config/redis.config';
import { ConversationLogStore } from '../conversation-log/conversation-log.port';
import { JobQueue } from '../jobs/job-queue.port';
import { RedisConnection } from '../redis/redis.connection';
import { ThreadStore } from '../threads/thread-store.port';
import type { HealthCheckDto, HealthReportDto } from './dto/health-report.dto';

/** Local, cheap checks: never a call to OpenAI, never a token spent. */
@Injectable()
export class HealthService {
  constructor(
    private readonly assistant: AssistantService,
    private readonly log: ConversationLogStore,
    private readonly threads: ThreadStore,
    private readonly jobs: JobQueue,
    private readonly redis: RedisConnection,
    @Inject(redisConfig.KEY) private readonly redisSettings: ConfigType<typeof redisConfig>,
  ) {}

  async report(): Promise<HealthReportDto> {
    const [store, redis] = await Promise.all([this.stores(), this.redisCheck()]);
    const checks: Record<string, HealthCheckDto> = {
      // Configuration was validated at start-up; the mode says what kind of answers users get.
      assistant: { status: 'ok', mode: this.assistant.mode },
      store,
      ...(redis === undefined ? {} : { redis }),
    };
    const status = Object.values(checks).every((check) => check.status === 'ok') ? 'ok' : 'error';
    return { status, checks };
  }

  /** Every store the service writes to must take writes; a file that vanished is written again by its check. */
  private async stores(): Promise<HealthCheckDto> {
    const failing: string[] = [];
    await Promise.all([
      this.log.checkHealth().catch(() => failing.push('the conversation log cannot be written')),
      this.threads.checkHealth().catch(() => failing.push('the thread store cannot be written')),
      this.jobs.checkHealth().catch(() => failing.push('the job store cannot be written')),
    ]);
    return failing.length === 0 ? { status: 'ok' } : { status: 'error', message: failing.sort().join('; ') };
  }

  /** Only with REDIS_URL: a PING with a short timeout. */
  private async redisCheck(): Promise<HealthCheckDto | undefined> {
    if (this.redisSettings.mode === 'none') return undefined;
    try {
      await this.redis.check();
      return { status: 'ok' };
    } catch (error) {
      return { status: 'error', message: (error as Error).message };
    }
  }
}
