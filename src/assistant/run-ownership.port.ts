/** Who drives a run that holds a thread, as far as this process can tell. */
export type RunOwner =
  /** This process started it: a run of ours that a later call finds still active was lost (aborted, cut off). */
  | 'mine'
  /** Another live process started it and still drives it: it must not be cancelled. */
  | 'sibling'
  /** Nobody claims it: its owner died (a crash's leftover) or let it go. */
  | 'nobody';

/** This process's claim on one run, held from `thread.run.created` until the run is over for it. */
export interface RunClaim {
  /** The run is over for this process (ended, cancelled or abandoned); idempotent. */
  release(): void;
}

/**
 * Which process drives each Assistants API run (assistants mode). A thread
 * takes one run at a time; a replica that finds a thread held by a run must
 * tell a crash's leftover (cancel it) from a sibling's live run (wait for it).
 */
export abstract class RunOwnership {
  /** Claims `runId` for this process until the claim is released; a claim is kept alive while it is held. */
  abstract claim(runId: string): Promise<RunClaim>;
  /** Throws when the owner cannot be known (the shared store is unreachable): never guess "nobody". */
  abstract ownerOf(runId: string): Promise<RunOwner>;
}
