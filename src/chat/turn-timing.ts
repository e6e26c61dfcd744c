/** How long one turn waited for the model, summed over its upstream calls (starting a conversation, answering). */
export class TurnTiming {
  private upstreamNs = 0n;

  async upstream<T>(call: () => Promise<T>): Promise<T> {
    const started = process.hrtime.bigint();
    try {
      return await call();
    } finally {
      this.upstreamNs += process.hrtime.bigint() - started;
    }
  }

  get upstreamMs(): number {
    return Number(this.upstreamNs) / 1e6;
  }
}
