import assert from "node:assert/strict";
import { deliverJobHandler } from "../src/act/deliver_job.ts";
import { fileTransport } from "../src/act/file_transport.ts";
import { DELIVER_JOB } from "../src/act/route_job.ts";
import { Worker } from "../src/jobs/worker.ts";
import { testDb } from "./helpers/db.ts";
import { fakeSes, sesFor } from "./helpers/fake_ses.ts";
import { pendingReplies } from "./helpers/outbox.ts";

/** The largest number of requests that arrived within any `windowMs`. */
function peak(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i] - sorted[j] >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

Deno.test("a backlog of replies drains at SEND_RATE with many more workers than slots, and waiting costs no attempt", async () => {
  await using t = await testDb();
  const n = 40;
  const rate = 10;
  const effects = await pendingReplies(t.db, n);
  assert.equal(effects.length, n, "one reply per pricing question");

  await using ses = fakeSes();
  using mail = sesFor(ses.endpoint);
  const worker = new Worker(t.db, {
    [DELIVER_JOB]: deliverJobHandler({
      mail,
      webhooks: fileTransport(await Deno.makeTempDir()),
      webhookUrls: {},
      sendRatePerSecond: rate,
    }),
  }, {
    workerId: "many",
    concurrency: 32,
    pools: [{ concurrency: 32, prefetch: 32 }],
    leaseMs: 30_000,
    // The daemon's default POLL_INTERVAL: a job that waits for its slot must not wait for the poll too.
    pollMs: 10_000,
  });
  const started = performance.now();
  await worker.start();
  try {
    // Ideal: n / rate = 4 s. Give up after 60 s (the unfixed queue took minutes).
    while (ses.requests.length < n && performance.now() - started < 60_000) {
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await worker.stop(5_000);
  }
  const times = ses.requests.map((r) => r.at);
  assert.equal(ses.requests.length, n, "every reply sent once");
  const span = Math.max(...times) - Math.min(...times);
  // n sends at `rate`/s span (n - 1) / rate = 3.9 s; a generous margin for a noisy machine, far below the
  // unfixed queue's runaway (each wait consumed a slot and an attempt).
  assert.ok(span < 2 * (n / rate) * 1000 + 3_000, `drained in ${Math.round(span)} ms, ideal ${n / rate} s`);
  // Slots are 100 ms apart, but the requests of the first second also carry the SDK's start-up jitter (~300 ms
  // on a busy machine): over two seconds the rate must hold, with room for that jitter; 32 workers sending
  // at once would break it.
  const top = peak(times, 2000);
  assert.ok(top <= 2 * rate + 4, `at most ~${2 * rate} sends in any two seconds, saw ${top}`);
  const { rows } = await t.db.query<{ attempts: number; state: string; n: number }>(
    "SELECT attempts, state, count(*)::int AS n FROM jobs WHERE kind = 'deliver' GROUP BY 1, 2",
  );
  assert.deepEqual(rows, [{ attempts: 1, state: "done", n }], "a wait for a send slot is not an attempt");
  const delivered = await t.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM effects WHERE kind = 'reply' AND state = 'delivered'",
  );
  assert.equal(delivered.rows[0].n, n);
});
