import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { AssistantService } from '../assistant/assistant.port';
import { ConversationLogStore } from '../conversation-log/conversation-log.port';
import { ThreadStore } from '../threads/thread-store.port';

/** Local, cheap checks: never a call to OpenAI, never a token spent. */
@Injectable()
export class StoresHealth {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly assistant: AssistantService,
    private readonly threads: ThreadStore,
    private readonly log: ConversationLogStore,
  ) {}

  assistantMode(): HealthIndicatorResult {
    return this.indicators.check('assistant').up({ mode: this.assistant.mode });
  }

  threadStore(): Promise<HealthIndicatorResult> {
    return this.writable('threadStore', () => this.threads.assertWritable());
  }

  conversationLog(): Promise<HealthIndicatorResult> {
    return this.writable('conversationLog', () => this.log.assertWritable());
  }

  private async writable(key: string, assertWritable: () => Promise<void>): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(key);
    try {
      await assertWritable();
      return indicator.up();
    } catch {
      return indicator.down({ message: 'cannot be written' });
    }
  }
}
