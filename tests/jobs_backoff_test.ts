import assert from "node:assert/strict";
import { backoffMs } from "../src/jobs/backoff.ts";

Deno.test("backoff doubles per attempt, within its jitter band", () => {
  assert.equal(backoffMs(1, { random: 0 }), 2_500);
  assert.equal(backoffMs(1, { random: 0.999999 }), 5_000);
  assert.equal(backoffMs(3, { random: 0 }), 10_000);
});

Deno.test("backoff is capped however many attempts failed", () => {
  assert.equal(backoffMs(1000, { random: 0.999999, capMs: 60_000 }), 60_000);
  assert.ok(backoffMs(40, { random: 0.5 }) <= 3_600_000);
});
