/** A mistake in a tool's command line or in the file it was given, told in one line without a stack trace. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
