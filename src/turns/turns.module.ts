import { Module } from '@nestjs/common';
import { InProcessTurnLock } from './adapters/in-process-turn.lock';
import { TurnLock } from './turn-lock.port';

@Module({
  providers: [{ provide: TurnLock, useClass: InProcessTurnLock }],
  exports: [TurnLock],
})
export class TurnsModule {}
