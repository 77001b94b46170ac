import assert from "node:assert/strict";
import { configWarnings, loadConfig } from "../src/config.ts";
import type { Db } from "../src/db/client.ts";
import { enqueueJob } from "../src/db/jobs.ts";
import { Worker } from "../src/jobs/worker.ts";
import { testDb } from "./helpers/db.ts";

const job = async (db: Db, id: number) =>
  (await db.query<{ state: string; attempts: number; locked_by: string | null }>(
    "SELECT state, attempts, locked_by FROM jobs WHERE id = $1",
    [id],
  )).rows[0];

const until = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000) => {
  const start = performance.now();
  while (!(await check())) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

Deno.test("a draining worker keeps renewing its leases: no other instance takes a slow job over", async () => {
  await using t = await testDb();
  const id = (await enqueueJob(t.db, { kind: "slow", maxAttempts: 5 }))!;
  const runs: string[] = [];
  const slow = (who: string) => async () => {
    runs.push(who);
    await new Promise((r) => setTimeout(r, 3_000)); // three leases long
  };
  const options = { concurrency: 1, leaseMs: 1000, pollMs: 100 };
  const a = new Worker(t.db, { slow: slow("a") }, { ...options, workerId: "a" });
  await a.start();
  await until("a to start the job", () => runs.length === 1);
  const b = new Worker(t.db, { slow: slow("b") }, { ...options, workerId: "b" });
  await b.start();
  try {
    await a.stop(10_000); // SIGTERM: a drains for up to 10 s; the job needs ~3 s
  } finally {
    await b.stop(5_000);
  }
  assert.deepEqual(runs, ["a"], "the job ran once, on the draining worker");
  assert.deepEqual(await job(t.db, id), { state: "done", attempts: 1, locked_by: null });
});

Deno.test("a JOB_LEASE no longer than SHUTDOWN_TIMEOUT is reported with what to set", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  assert.deepEqual(configWarnings(loadConfig(env({}))), [], "the defaults (60 s lease, 20 s drain) are fine");
  const [warning, ...more] = configWarnings(loadConfig(env({ JOB_LEASE: "10s", SHUTDOWN_TIMEOUT: "20s" })));
  assert.equal(more.length, 0);
  assert.match(warning, /^JOB_LEASE \(10000 ms\) is not longer than SHUTDOWN_TIMEOUT \(20000 ms\)/);
  assert.match(warning, /set JOB_LEASE above SHUTDOWN_TIMEOUT/);
});

Deno.test("a stale run cannot finish a job claimed again by the same process", async () => {
  await using t = await testDb();
  const id = (await enqueueJob(t.db, { kind: "k", maxAttempts: 5 }))!;
  const gates: (() => void)[] = [];
  const worker = new Worker(t.db, {
    k: () => new Promise<void>((resolve) => gates.push(resolve)),
  }, { workerId: "same", concurrency: 1, leaseMs: 1000, pollMs: 100, maxJobMs: 300 });
  await worker.start();
  try {
    // The first run overstays maxJobMs, is abandoned, its lease expires, and the same worker claims it again.
    await until("the second run", () => gates.length === 2);
    gates[0](); // the abandoned first run ends now, while the second one works
    await new Promise((r) => setTimeout(r, 500)); // its completion is flushed within ~5 ms
    assert.deepEqual(await job(t.db, id), { state: "running", attempts: 2, locked_by: "same" });
    gates[1]();
    await until("the job done", async () => (await job(t.db, id)).state === "done");
  } finally {
    await worker.stop(5_000);
  }
  assert.equal(worker.counts.done, 1);
  assert.equal(worker.counts.lost, 1, "the stale run's outcome was refused");
});

/** Runs a job that fails once (a 503) on a worker whose host clock is `skewMs` off; returns the retry's delay. */
async function retryWithSkew(skewMs: number) {
  await using t = await testDb();
  const id = (await enqueueJob(t.db, { kind: "flaky", maxAttempts: 5 }))!;
  let runs = 0;
  const worker = new Worker(t.db, {
    flaky: () => {
      runs++;
      throw new Error("503 Service Unavailable");
    },
  }, {
    workerId: "skewed",
    concurrency: 1,
    leaseMs: 30_000,
    pollMs: 50,
    backoffMs: 60_000,
    random: () => 0, // the first retry after exactly 30 s
    now: () => Date.now() + skewMs,
  });
  await worker.start();
  await until("the first run", () => runs >= 1);
  await new Promise((r) => setTimeout(r, 500)); // time for a second run, were the retry due at once
  await worker.stop(5_000);
  const { rows } = await t.db.query<{ state: string; attempts: number; delay_s: number }>(
    "SELECT state, attempts, extract(epoch FROM run_at - now())::float8 AS delay_s FROM jobs WHERE id = $1",
    [id],
  );
  return { runs, ...rows[0] };
}

Deno.test("a retry waits its backoff by the database's clock, with the host clock an hour behind or ahead", async () => {
  for (const skewMs of [-3_600_000, 3_600_000]) {
    const { runs, state, attempts, delay_s } = await retryWithSkew(skewMs);
    assert.equal(runs, 1, `one run with the host clock ${skewMs} ms off`);
    assert.equal(state, "pending");
    assert.equal(attempts, 1);
    assert.ok(
      delay_s > 20 && delay_s <= 30,
      `retry due in ${delay_s} s (30 s of backoff), clock ${skewMs} ms off`,
    );
  }
});
