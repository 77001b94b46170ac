/**
 * Asserts that `run` takes time in proportion to its input: 4x the input must take well under 16x the time
 * (what a quadratic algorithm takes). Best of three runs per size, so a GC pause or a noisy neighbour on a
 * shared machine does not decide; the bound (10x) sits between linear (~4x) and quadratic (16x).
 */
import assert from "node:assert/strict";

function best(fn: () => unknown): number {
  let min = Infinity;
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    fn();
    min = Math.min(min, performance.now() - start);
  }
  return Math.max(min, 0.5);
}

/** Fails when 4x the input takes 10x the time or more. */
export function assertLinear(
  name: string,
  make: (size: number) => string,
  run: (input: string) => unknown,
): void {
  const small = make(1_000_000);
  const large = make(4_000_000);
  run(small); // warm up the JIT
  const ratio = best(() => run(large)) / best(() => run(small));
  assert.ok(ratio < 10, `${name}: 4x the input took ${ratio.toFixed(1)}x the time`);
}
