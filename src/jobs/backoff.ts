/**
 * Retry delays: exponential with a cap and full jitter, as a pure function (randomness injected) so that
 * tests can pin it. Jitter spreads retries of jobs that failed together (an endpoint outage) over time.
 */

/** Options of {@linkcode backoffMs}. */
export interface BackoffOptions {
  /** Delay before the second attempt, before jitter. */
  baseMs?: number;
  /** Longest delay, before jitter. */
  capMs?: number;
  /** A number in [0, 1); defaults to Math.random(). */
  random?: number;
}

/**
 * Delay before the next attempt after `attempt` failed attempts (1 = the first attempt failed).
 * With the defaults: ~5 s, ~10 s, ~20 s, … up to ~1 h; each multiplied by a factor in [0.5, 1).
 */
export function backoffMs(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? 5_000;
  const cap = options.capMs ?? 3_600_000;
  const random = options.random ?? Math.random();
  const exp = Math.min(cap, base * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  return Math.round(exp * (0.5 + random / 2));
}
