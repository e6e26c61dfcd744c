import { type RunClaim, type RunOwner, RunOwnership } from '../run-ownership.port';

/**
 * One process: every run on its threads is its own, so a run still active
 * when the next call comes is one it lost (or a crash's leftover from before
 * a restart), and may be cancelled. This is the behaviour of a single process.
 */
export class InProcessRunOwnership extends RunOwnership {
  private readonly live = new Set<string>();

  claim(runId: string): Promise<RunClaim> {
    this.live.add(runId);
    return Promise.resolve({ release: () => this.live.delete(runId) });
  }

  ownerOf(runId: string): Promise<RunOwner> {
    return Promise.resolve(this.live.has(runId) ? 'mine' : 'nobody');
  }
}
