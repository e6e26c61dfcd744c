/**
 * A reason the service cannot start that the operator can fix, said in one line:
 * which variable, which path, what is wrong. main.ts prints the message alone,
 * without a stack trace. Never carries a secret value.
 */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}
