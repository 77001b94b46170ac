import assert from "node:assert/strict";
import type { Db } from "../src/db/client.ts";
import {
  claimJobs,
  completeJob,
  enqueueJob,
  failJob,
  requeueJobs,
  rescueExpiredJobs,
  retryJob,
} from "../src/db/jobs.ts";
import { PermanentError } from "../src/jobs/types.ts";
import { Worker } from "../src/jobs/worker.ts";
import { testDb } from "./helpers/db.ts";

const state = async (db: Db, id: number) =>
  (await db.query<{ state: string; attempts: number; last_error: string | null }>(
    "SELECT state, attempts, last_error FROM jobs WHERE id = $1",
    [id],
  )).rows[0];

Deno.test("enqueueing with a unique key twice makes one job", async () => {
  await using t = await testDb();
  const a = await enqueueJob(t.db, { kind: "k", uniqueKey: "once", maxAttempts: 3 });
  const b = await enqueueJob(t.db, { kind: "k", uniqueKey: "once", maxAttempts: 3 });
  assert.ok(a !== undefined);
  assert.equal(b, undefined);
});

Deno.test("a claimed job is leased, counted, and completed only by its holder", async () => {
  await using t = await testDb();
  const id = (await enqueueJob(t.db, { kind: "k", payload: { x: 1 }, maxAttempts: 3 }))!;
  const [job] = await claimJobs(t.db, { workerId: "w1", limit: 5, leaseMs: 60_000 });
  assert.deepEqual({ id: job.id, attempts: job.attempts, payload: job.payload }, {
    id,
    attempts: 1,
    payload: { x: 1 },
  });
  assert.equal((await claimJobs(t.db, { workerId: "w2", limit: 5, leaseMs: 60_000 })).length, 0);
  assert.equal(
    await completeJob(t.db, { id, attempts: 1, workerId: "w2" }),
    false,
    "another worker cannot complete it",
  );
  assert.equal(
    await completeJob(t.db, { id, attempts: 2, workerId: "w1" }),
    false,
    "nor another claim than its own (the attempt number fences it)",
  );
  assert.equal(await completeJob(t.db, { id, attempts: 1, workerId: "w1" }), true);
  assert.equal(await completeJob(t.db, { id, attempts: 1, workerId: "w1" }), false, "a job completes once");
  assert.equal((await state(t.db, id)).state, "done");
});

Deno.test("a job scheduled in the future is not claimed before its time", async () => {
  await using t = await testDb();
  await enqueueJob(t.db, { kind: "k", maxAttempts: 3, runAt: new Date(Date.now() + 60_000) });
  assert.equal((await claimJobs(t.db, { workerId: "w", limit: 5, leaseMs: 1000 })).length, 0);
  const later = new Date(Date.now() + 61_000);
  assert.equal((await claimJobs(t.db, { workerId: "w", limit: 5, leaseMs: 1000, now: later })).length, 1);
});

Deno.test("retries wait for run_at and end in failed when attempts are used up; requeue revives", async () => {
  await using t = await testDb();
  const id = (await enqueueJob(t.db, { kind: "k", maxAttempts: 2 }))!;
  await claimJobs(t.db, { workerId: "w", limit: 1, leaseMs: 1000 });
  assert.equal(
    await retryJob(t.db, { id, attempts: 1, workerId: "w", error: "boom 1", delayMs: 0 }),
    "pending",
  );
  await claimJobs(t.db, { workerId: "w", limit: 1, leaseMs: 1000 });
  assert.equal(
    await retryJob(t.db, { id, attempts: 2, workerId: "w", error: "boom 2", delayMs: 0 }),
    "failed",
  );
  assert.deepEqual(await state(t.db, id), { state: "failed", attempts: 2, last_error: "boom 2" });
  assert.deepEqual((await requeueJobs(t.db, { ids: [id], all: false })).map((j) => j.id), [id]);
  assert.deepEqual(await state(t.db, id), { state: "pending", attempts: 0, last_error: "boom 2" });
});

Deno.test("a permanent failure fails at once", async () => {
  await using t = await testDb();
  const id = (await enqueueJob(t.db, { kind: "k", maxAttempts: 5 }))!;
  await claimJobs(t.db, { workerId: "w", limit: 1, leaseMs: 1000 });
  assert.equal(await failJob(t.db, { id, attempts: 1, workerId: "w", error: "bad payload" }), true);
  assert.equal((await state(t.db, id)).state, "failed");
});

Deno.test("a job whose worker died is returned to the queue when its lease expires", async () => {
  await using t = await testDb();
  const id = (await enqueueJob(t.db, { kind: "k", maxAttempts: 3 }))!;
  await claimJobs(t.db, { workerId: "dead", limit: 1, leaseMs: 1000 });
  assert.deepEqual(await rescueExpiredJobs(t.db), [], "not before the lease ends");
  const rescued = await rescueExpiredJobs(t.db, { now: new Date(Date.now() + 2000) });
  assert.deepEqual(rescued, [{ id, state: "pending" }]);
  assert.match((await state(t.db, id)).last_error ?? "", /lease expired: worker dead/);
  assert.equal(
    await completeJob(t.db, { id, attempts: 1, workerId: "dead" }),
    false,
    "the dead worker's late answer is ignored",
  );
});

Deno.test("the worker maps outcomes: done, retry after an exception, fail on PermanentError", async () => {
  await using t = await testDb();
  const ok = (await enqueueJob(t.db, { kind: "ok", maxAttempts: 3 }))!;
  const flaky = (await enqueueJob(t.db, { kind: "flaky", maxAttempts: 3 }))!;
  const bad = (await enqueueJob(t.db, { kind: "bad", maxAttempts: 3 }))!;
  const unknown = (await enqueueJob(t.db, { kind: "nope", maxAttempts: 3 }))!;
  const worker = new Worker(t.db, {
    ok: async () => {},
    flaky: () => Promise.reject(new Error("temporary")),
    bad: () => Promise.reject(new PermanentError("cannot ever work")),
  }, { workerId: "w", concurrency: 2, leaseMs: 10_000, pollMs: 50, random: () => 0 });
  await worker.drain();
  assert.equal((await state(t.db, ok)).state, "done");
  assert.deepEqual(await state(t.db, flaky), {
    state: "pending",
    attempts: 1,
    last_error: "Error: temporary",
  });
  assert.deepEqual(await state(t.db, bad), {
    state: "failed",
    attempts: 1,
    last_error: "PermanentError: cannot ever work",
  });
  assert.match((await state(t.db, unknown)).last_error ?? "", /no handler for job kind "nope"/);
  assert.deepEqual(worker.counts, { done: 1, retried: 1, failed: 2, lost: 0 });
});

Deno.test("several workers on one database never run one job twice", async () => {
  await using t = await testDb();
  await t.db.query("CREATE TABLE runs (job_id bigint NOT NULL)");
  const n = 300;
  await t.db.query("INSERT INTO jobs (kind, max_attempts) SELECT 'noop', 3 FROM generate_series(1, $1)", [n]);
  const handler = async ({ job, db }: { job: { id: number }; db: Db }) => {
    await db.query("INSERT INTO runs (job_id) VALUES ($1)", [job.id]);
  };
  const workers = [1, 2, 3].map((i) =>
    new Worker(t.db, { noop: handler }, { workerId: `w${i}`, concurrency: 4, leaseMs: 30_000, pollMs: 50 })
  );
  await Promise.all(workers.map((w) => w.drain()));
  const { rows } = await t.db.query<{ runs: number; distinct_jobs: number }>(
    "SELECT count(*)::int AS runs, count(DISTINCT job_id)::int AS distinct_jobs FROM runs",
  );
  assert.deepEqual(rows[0], { runs: n, distinct_jobs: n });
  assert.equal(workers.reduce((s, w) => s + w.counts.done, 0), n);
  assert.ok(workers.every((w) => w.counts.done > 0), "the work was shared");
});

Deno.test("a sleeping worker is woken by NOTIFY when a job is enqueued", async () => {
  await using t = await testDb();
  let ran = 0;
  const done = Promise.withResolvers<void>();
  const worker = new Worker(t.db, {
    k: () => {
      ran++;
      done.resolve();
      return Promise.resolve();
    },
  }, { workerId: "w", concurrency: 1, leaseMs: 10_000, pollMs: 60_000 });
  await worker.start();
  await new Promise((r) => setTimeout(r, 200));
  const started = performance.now();
  await enqueueJob(t.db, { kind: "k", maxAttempts: 1 });
  await done.promise;
  const waited = performance.now() - started;
  await worker.stop(1000);
  assert.equal(ran, 1);
  // The poll interval is a minute: only the notification can explain running within seconds.
  assert.ok(waited < 10_000, `woken after ${waited} ms`);
});

Deno.test("drain runs to the end of a chain where each job enqueues the next", async () => {
  await using t = await testDb();
  const length = 150;
  await enqueueJob(t.db, { kind: "step", payload: { n: 1 }, maxAttempts: 3 });
  const worker = new Worker(t.db, {
    step: async ({ job, db }) => {
      const n = Number(job.payload.n);
      // A short pause makes the next job commit while the dispatcher is between claims.
      await new Promise((r) => setTimeout(r, n % 5));
      if (n < length) await enqueueJob(db, { kind: "step", payload: { n: n + 1 }, maxAttempts: 3 });
    },
  }, { workerId: "w", concurrency: 1, leaseMs: 1_000, pollMs: 5_000 });
  await worker.drain();
  assert.equal(worker.counts.done, length);
  assert.equal(
    (await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM jobs WHERE state = 'done'")).rows[0].n,
    length,
  );
});

Deno.test("drain waits for a job leased to a dead worker, then runs it", async () => {
  await using t = await testDb();
  const id = (await enqueueJob(t.db, { kind: "k", maxAttempts: 3 }))!;
  await claimJobs(t.db, { workerId: "dead", limit: 1, leaseMs: 600 });
  let ran = 0;
  const worker = new Worker(t.db, {
    k: () => {
      ran++;
      return Promise.resolve();
    },
  }, { workerId: "w", concurrency: 2, leaseMs: 1000, pollMs: 5000 });
  await worker.drain();
  assert.equal(ran, 1);
  assert.deepEqual(await state(t.db, id), {
    state: "done",
    attempts: 2,
    last_error: "lease expired: worker dead stopped without finishing the job",
  });
});

Deno.test("a job stuck past maxJobMs is abandoned and runs again once its lease expires", async () => {
  await using t = await testDb();
  const id = (await enqueueJob(t.db, { kind: "k", maxAttempts: 3 }))!;
  let calls = 0;
  const worker = new Worker(t.db, {
    // The first run never settles, like a query on a connection lost mid-write.
    k: () => ++calls === 1 ? new Promise<void>(() => {}) : Promise.resolve(),
  }, { workerId: "w", concurrency: 1, leaseMs: 1000, pollMs: 100, maxJobMs: 300 });
  await worker.drain();
  assert.equal(calls, 2);
  assert.equal((await state(t.db, id)).state, "done");
  assert.equal((await state(t.db, id)).attempts, 2);
});

Deno.test("a quiet worker renews the lease of a long job in time even when its poll interval is longer", async () => {
  await using t = await testDb();
  const id = (await enqueueJob(t.db, { kind: "long", maxAttempts: 1 }))!;
  const started = Promise.withResolvers<void>();
  const finish = Promise.withResolvers<void>();
  // Nothing else happens while the job runs: no NOTIFY, no other job settles; only the loop's own sleep.
  const worker = new Worker(t.db, {
    long: async () => {
      started.resolve();
      await finish.promise;
    },
  }, { workerId: "w", concurrency: 1, leaseMs: 600, pollMs: 60_000 });
  await worker.start();
  try {
    await started.promise;
    await new Promise((r) => setTimeout(r, 1_200)); // two leases
    const { rows } = await t.db.query<{ left_ms: number }>(
      "SELECT (extract(epoch FROM locked_until - now()) * 1000)::float8 AS left_ms FROM jobs WHERE id = $1",
      [id],
    );
    assert.ok(rows[0].left_ms > 0, `the lease ran out ${-rows[0].left_ms} ms ago (renewed only per poll)`);
  } finally {
    finish.resolve();
    await worker.stop(5_000);
  }
  assert.equal((await state(t.db, id)).state, "done");
});

Deno.test("jobs keep running while completions fail, and are marked done once the database answers again", async () => {
  await using t = await testDb();
  const n = 200;
  await t.db.query("INSERT INTO jobs (kind, max_attempts) SELECT 'noop', 3 FROM generate_series(1, $1)", [n]);
  let refused = 0;
  let ran = 0;
  // The database refuses the first three batched completions (as when it restarts), and nothing else.
  const flaky: Db = {
    ...t.db,
    query: (text, params) => {
      if (text.includes("SET state = 'done'") && refused < 3) {
        refused++;
        return Promise.reject(new Error("connection refused (test)"));
      }
      return t.db.query(text, params);
    },
  };
  const worker = new Worker(flaky, {
    noop: () => {
      ran++;
      return Promise.resolve();
    },
  }, {
    workerId: "w",
    concurrency: 4,
    leaseMs: 30_000,
    pollMs: 50,
  });
  await worker.drain();
  assert.equal(refused, 3);
  assert.equal(ran, n, "each job ran once: a refused completion does not run the job again");
  assert.deepEqual(worker.counts, { done: n, retried: 0, failed: 0, lost: 0 });
  const { rows } = await t.db.query<{ state: string; attempts: number; n: number }>(
    "SELECT state, attempts, count(*)::int AS n FROM jobs GROUP BY 1, 2",
  );
  assert.deepEqual(rows, [{ state: "done", attempts: 1, n }]);
});

Deno.test("a busy pool with a claim interval claims jobs that trickle in together; an idle pool at once", async () => {
  /**
   * Runs a slow job, enqueues three quick ones 50 ms apart while it runs, then lets it finish and enqueues one
   * more into the idle pool. Returns the sizes of the claims made and how long that last job waited.
   */
  async function claimsFor(claimIntervalMs: number): Promise<{ claims: number[]; idleWaitMs: number }> {
    await using t = await testDb();
    const claims: number[] = [];
    const counting: Db = {
      ...t.db,
      query: async <Row>(text: string, params?: readonly unknown[]) => {
        const result = await t.db.query<Row>(text, params);
        if (text.includes("Leases up to") && result.rows.length > 0) claims.push(result.rows.length);
        return result;
      },
    };
    const slowStarted = Promise.withResolvers<void>();
    const release = Promise.withResolvers<void>();
    const slowDone = Promise.withResolvers<void>();
    const quickDone = Promise.withResolvers<void>();
    const lastStarted = Promise.withResolvers<number>();
    let quick = 0;
    const worker = new Worker(counting, {
      slow: async () => {
        slowStarted.resolve();
        await release.promise;
        slowDone.resolve();
      },
      quick: () => {
        if (++quick === 3) quickDone.resolve();
        return Promise.resolve();
      },
      last: () => (lastStarted.resolve(performance.now()), Promise.resolve()),
    }, {
      workerId: "w",
      concurrency: 4,
      pools: [{ concurrency: 4, prefetch: 4, claimIntervalMs }],
      leaseMs: 30_000,
      pollMs: 60_000,
    });
    await worker.start();
    try {
      await enqueueJob(t.db, { kind: "slow", maxAttempts: 1 });
      await slowStarted.promise;
      for (let i = 0; i < 3; i++) {
        await enqueueJob(t.db, { kind: "quick", maxAttempts: 1 });
        await new Promise((r) => setTimeout(r, 50));
      }
      await quickDone.promise;
      release.resolve();
      await slowDone.promise;
      await new Promise((r) => setTimeout(r, 50)); // the slot is freed once the handler's promise settles
      const enqueued = performance.now();
      await enqueueJob(t.db, { kind: "last", maxAttempts: 1 });
      return { claims, idleWaitMs: (await lastStarted.promise) - enqueued };
    } finally {
      release.resolve();
      await worker.stop(5_000);
    }
  }
  // While the slow job runs, the quick jobs arriving within the interval are claimed by one statement; the
  // idle pool then claims the last job at once, well inside the interval of the quick jobs' claim.
  const spaced = await claimsFor(1_000);
  assert.deepEqual(spaced.claims, [1, 3, 1]);
  assert.ok(spaced.idleWaitMs < 500, `the idle pool claimed after ${spaced.idleWaitMs} ms`);
  // Without an interval each notification is claimed on its own (50 ms apart: [1, 1, 1, 1, 1], unless a loaded
  // machine delays the loop past a gap).
  const eager = await claimsFor(0);
  assert.ok(eager.claims.length > 3, `claims without an interval: ${JSON.stringify(eager.claims)}`);
});
