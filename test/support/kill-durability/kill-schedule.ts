/** What one round of the kill test does, drawn from the seeded PRNG. */
export interface RoundPlan {
  round: number;
  concurrency: number;
  /**
   * The kill comes `killDelayMs` after this round's `killAfterAnswers`-th 200 (0: after the burst
   * started), so that the moment depends on the service's progress, not on how busy the machine is.
   */
  killAfterAnswers: number;
  killDelayMs: number;
  latencyMs: number;
  /** Users this round draws from (some from the pool, some never seen before), and the fixed sequence of draws the workers consume in order. */
  users: string[];
  picks: string[];
}

const USER_POOL = [
  'kd-ana', 'kd-ben', 'kd-chloe', 'kd-dev', 'kd-eli', 'kd-fay', 'kd-gus', 'kd-hana',
  'kd.ivy', 'kd_jon', 'kd:kai', 'kd-lea@corp', 'kd-mo', 'kd-nia', 'KD-OLA',
];

export function planRound(rng: () => number, round: number): RoundPlan {
  const between = (min: number, max: number) => min + Math.floor(rng() * (max - min + 1));
  // Sometimes a few users (long per-user queues), sometimes the whole pool; plus a few new
  // users, so that conversations are started (and thread mappings written) in every round.
  const fresh = Array.from({ length: between(1, 4) }, (_, i) => `kd-r${round}-new${i}`);
  const users = [...shuffle(rng, USER_POOL).slice(0, between(3, USER_POOL.length)), ...fresh];
  return {
    round,
    concurrency: between(20, 40),
    killAfterAnswers: rng() < 0.25 ? 0 : between(1, 40),
    killDelayMs: between(0, 150),
    latencyMs: between(0, 5),
    users,
    picks: Array.from({ length: 5000 }, () => users[Math.floor(rng() * users.length)]),
  };
}

function shuffle<T>(rng: () => number, items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

export function parseSeed(value: string | undefined): number {
  if (value === undefined || value === '') return 20240917;
  const seed = Number(value);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`KILL_SEED must be a non-negative integer, got ${JSON.stringify(value)}`);
  return seed;
}
