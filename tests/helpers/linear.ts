/**
 * Guards against catastrophic (quadratic or backtracking) behaviour on hostile input: `run` must handle an
 * 8 MB input within 8 seconds. A quadratic pass over 8 MB is ~10^13 steps (hours); these single-pass functions
 * take 0.1–0.3 s here, so the bound holds on a loaded machine and still catches the failure it is for.
 *
 * Why not compare timings at two sizes: measured on this 2-core machine under load, single-pass code showed
 * 40–60x for 8x the input (1 MB to 8 MB), because V8 allocates megabyte strings in another heap space and
 * collects them differently; a ratio bound could not tell that from quadratic growth (64x) reliably.
 */
import assert from "node:assert/strict";

/** Fails when an 8 MB input takes 8 s or more (after a 1 MB warm-up run). */
export function assertLinear(
  name: string,
  make: (size: number) => string,
  run: (input: string) => unknown,
): void {
  run(make(1_000_000)); // warm up the JIT
  const large = make(8_000_000);
  const start = performance.now();
  run(large);
  const ms = performance.now() - start;
  assert.ok(ms < 8_000, `${name}: 8 MB took ${Math.round(ms)} ms; a single pass takes well under a second`);
}
