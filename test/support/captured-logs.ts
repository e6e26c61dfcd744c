import { Logger, type LoggerService } from '@nestjs/common';

export interface CapturedLogs {
  readonly warnings: string[];
  /** Gives Nest's Logger back its default console output. */
  restore(): void;
}

/**
 * Routes every Nest `Logger` to memory, so a spec can assert a warning was given
 * and the test output stays quiet. Call `restore()` in `afterEach`.
 */
export function captureLogs(): CapturedLogs {
  const warnings: string[] = [];
  const ignore = (): void => undefined;
  const sink: LoggerService = {
    log: ignore,
    error: ignore,
    debug: ignore,
    verbose: ignore,
    fatal: ignore,
    warn: (message: unknown) => void warnings.push(String(message)),
  };
  Logger.overrideLogger(sink);
  return { warnings, restore: () => Logger.overrideLogger(new Logger()) };
}
