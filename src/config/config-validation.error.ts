import { StartupError } from '../common/errors/startup.error';

/** Thrown at boot when the environment does not parse. Names variables and rules, never values. */
export class ConfigValidationError extends StartupError {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}
