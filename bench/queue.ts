/**
 * Job queue: enqueue and claim+complete throughput of no-op jobs, our Worker against graphile-worker on the
 * same PostgreSQL, each point in fresh schemas. graphile-worker runs in its fastest setting (prepared
 * statements, the local queue that claims in batches, batched completion), as in its own perfTest config; our
 * Worker claims ahead as deep as graphile-worker's local queue (`prefetch` = `localQueue.size`), so both fetch
 * the same number of jobs per round trip. The claim+complete run of each concurrency is repeated, ours and
 * graphile-worker's in turn (ABBA order), and each side's median reported: one run of 20,000 no-op jobs takes half a second,
 * and on the shared machine the same point of the same code measured 38,000-54,000 jobs/s from one run to the
 * next. Enqueue is timed in the first repetition; the later ones fill their tables in bulk.
 */
import { Logger, makeWorkerUtils, run as runGraphile } from "graphile-worker";
import { connectPostgres, type Db } from "../src/db/client.ts";
import { claimJobs, completeJobs, enqueueJob } from "../src/db/jobs.ts";
import { migrate } from "../src/db/migrate.ts";
import { Worker } from "../src/jobs/worker.ts";
import type { Schemas } from "./schemas.ts";

/** One concurrency of one measurement, ours next to graphile-worker's. */
export interface QueuePoint {
  concurrency: number;
  ours_jobs_per_s: number;
  graphile_jobs_per_s: number;
  ratio: number;
}

/** The claim+complete figures, with what our SQL does when the worker batches completions too. */
export interface QueueRunPoint extends QueuePoint {
  /** claim_jobs.sql 100 at a time and one UPDATE completing the batch: a ceiling for our schema. */
  ours_sql_batch100_jobs_per_s: number;
  /** Every run of each side, in order (the point's figures are their medians). */
  ours_runs: number[];
  graphile_runs: number[];
}

/** Options of {@linkcode benchQueue}. */
export interface QueueOptions {
  url: string;
  schemas: Schemas;
  jobs: number;
  concurrencies: number[];
  /** graphile-worker's `localQueue.size`: jobs claimed per round trip. */
  localQueueSize: number;
  /** graphile-worker's `completeJobBatchDelay` (ms; -1: one completion per job). */
  completeBatchDelay: number;
  /** Claim+complete runs per concurrency and side (the median is reported). */
  repeats: number;
  progress: (line: string) => void;
}

// graphile-worker logs through its own logger; a benchmark wants silence.
const quiet = new Logger(() => () => {});

/** Measures every concurrency; returns the enqueue and the claim+complete figures. */
export async function benchQueue(
  o: QueueOptions,
): Promise<{ enqueue: QueuePoint[]; run: QueueRunPoint[] }> {
  const enqueue: QueuePoint[] = [];
  const run: QueueRunPoint[] = [];
  // Warm both up once (JIT, prepared statements, graphile-worker's migrations code path) on a small run.
  await oursPoint(o, 4, Math.min(500, o.jobs), true);
  await graphilePoint(o, 4, Math.min(500, o.jobs), true);
  for (const c of o.concurrencies) {
    const ours: number[] = [];
    const graphile: number[] = [];
    let enqueued = { ours: 0, graphile: 0 };
    for (let r = 0; r < o.repeats; r++) {
      const timedFill = r === 0;
      // ABBA: neither side always runs first (after the other's dead rows, autovacuum, a warmer cache).
      let a, b;
      if (r % 2 === 0) {
        a = await oursPoint(o, c, o.jobs, timedFill);
        b = await graphilePoint(o, c, o.jobs, timedFill);
      } else {
        b = await graphilePoint(o, c, o.jobs, timedFill);
        a = await oursPoint(o, c, o.jobs, timedFill);
      }
      if (timedFill) enqueued = { ours: a.enqueue!, graphile: b.enqueue! };
      ours.push(a.run);
      graphile.push(b.run);
    }
    const batched = await batchedPoint(o, c, o.jobs);
    enqueue.push(point(c, enqueued.ours, enqueued.graphile));
    run.push({
      ...point(c, median(ours), median(graphile)),
      ours_sql_batch100_jobs_per_s: Math.round(batched),
      ours_runs: ours.map(Math.round),
      graphile_runs: graphile.map(Math.round),
    });
    o.progress(
      `queue c=${c}: enqueue ${fmt(enqueued.ours)} vs ${fmt(enqueued.graphile)}, run ` +
        `${ours.map(fmt).join("/")} vs ${graphile.map(fmt).join("/")} (our SQL batched: ${
          fmt(batched)
        }) jobs/s`,
    );
  }
  return { enqueue, run };
}

function point(concurrency: number, ours: number, graphile: number): QueuePoint {
  return {
    concurrency,
    ours_jobs_per_s: Math.round(ours),
    graphile_jobs_per_s: Math.round(graphile),
    ratio: round2(ours / graphile),
  };
}

/**
 * Our queue: `concurrency` enqueuers of one job per transaction (timed; else one INSERT of them all), then a
 * Worker draining them.
 */
async function oursPoint(o: QueueOptions, concurrency: number, jobs: number, timedFill: boolean) {
  const schema = await o.schemas.create(`q${concurrency}`);
  // The pool size the daemon gives itself (src/app.ts openDatabase).
  const db = connectPostgres(o.url, { schema, max: Math.min(concurrency + 4, 40), applicationName: "bench" });
  try {
    await migrate(db);
    let enqueue: number | undefined;
    if (timedFill) {
      enqueue = await timed(jobs, () =>
        parallel(concurrency, jobs, async (i) => {
          await enqueueJob(db, { kind: "noop", payload: { i }, maxAttempts: 5 });
        }));
    } else {
      await db.query(
        `INSERT INTO jobs (kind, payload, max_attempts)
         SELECT 'noop', jsonb_build_object('i', i), 5 FROM generate_series(0, $1 - 1) i`,
        [jobs],
      );
    }
    const worker = new Worker(db, { noop: () => Promise.resolve() }, {
      workerId: `bench-${concurrency}`,
      concurrency,
      pools: [{ concurrency, prefetch: o.localQueueSize }],
      leaseMs: 60_000,
      pollMs: 1_000,
    });
    const run = await timed(jobs, () => worker.drain());
    await expectDone(db, jobs, worker.counts.done);
    return { enqueue, run };
  } finally {
    await db.close();
  }
}

/**
 * Our table and SQL without the Worker: `concurrency` loops each claim 100 jobs (claim_jobs.sql), run them
 * and complete them in one statement (complete_jobs.sql). The gap to {@linkcode oursPoint} is the Worker's.
 */
async function batchedPoint(o: QueueOptions, concurrency: number, jobs: number): Promise<number> {
  const schema = await o.schemas.create(`b${concurrency}`);
  const db = connectPostgres(o.url, { schema, max: Math.min(concurrency + 4, 40), applicationName: "bench" });
  try {
    await migrate(db);
    await db.query(
      `INSERT INTO jobs (kind, payload) SELECT 'noop', jsonb_build_object('i', i) FROM generate_series(1, $1) i`,
      [jobs],
    );
    let done = 0;
    const rate = await timed(jobs, () =>
      Promise.all(Array.from({ length: concurrency }, async (_, w) => {
        for (;;) {
          const batch = await claimJobs(db, { workerId: `b${w}`, limit: 100, leaseMs: 60_000 });
          if (batch.length === 0) return;
          await Promise.all(batch.map(() => Promise.resolve()));
          const completed = await completeJobs(db, { jobs: batch, workerId: `b${w}` });
          done += completed.length; // not `done += await …`: that reads `done` before the await
        }
      })));
    await expectDone(db, jobs, done);
    return rate;
  } finally {
    await db.close();
  }
}

async function expectDone(db: Db, jobs: number, done: number): Promise<void> {
  const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM jobs WHERE state = 'done'");
  if (rows[0].n !== jobs || done !== jobs) {
    throw new Error(`Our worker finished ${done} of ${jobs} jobs (${rows[0].n} done in the table)`);
  }
}

/**
 * graphile-worker: `addJob` from `concurrency` callers (timed; else `addJobs` 1,000 at a time), then a runner
 * with its local queue.
 */
async function graphilePoint(o: QueueOptions, concurrency: number, jobs: number, timedFill: boolean) {
  const schema = await o.schemas.create(`g${concurrency}`);
  const worker = {
    connectionString: o.url,
    schema,
    concurrentJobs: concurrency,
    maxPoolSize: Math.max(10, concurrency + 2),
    preparedStatements: true,
    localQueue: { size: o.localQueueSize },
    completeJobBatchDelay: o.completeBatchDelay,
    failJobBatchDelay: o.completeBatchDelay,
    logger: quiet,
  };
  const utils = await makeWorkerUtils({ preset: { worker }, logger: quiet });
  let enqueue: number | undefined;
  try {
    await utils.migrate();
    if (timedFill) {
      enqueue = await timed(jobs, () =>
        parallel(concurrency, jobs, async (i) => {
          await utils.addJob("noop", { i });
        }));
    } else {
      for (let i = 0; i < jobs; i += 1000) {
        const n = Math.min(1000, jobs - i);
        await utils.addJobs(
          Array.from({ length: n }, (_, k) => ({ identifier: "noop", payload: { i: i + k } })),
        );
      }
    }
  } finally {
    await utils.release();
  }
  let ran = 0;
  let first = 0;
  let allRan = () => {};
  const ranAll = new Promise<void>((resolve) => allRan = resolve);
  const noop = () => {
    if (ran++ === 0) first = performance.now();
    if (ran === jobs) allRan();
    return Promise.resolve();
  };
  // run(), not runOnce(): with the local queue, runOnce 0.18 resolved here with a few jobs still locked in
  // the table, never completed (seen with completeJobBatchDelay -1).
  const runner = await runGraphile({
    preset: { worker },
    logger: quiet,
    noHandleSignals: true,
    taskList: { noop },
    parsedCronItems: [],
  });
  const db = connectPostgres(o.url, { max: 1, applicationName: "bench" });
  try {
    await withTimeout(ranAll, 300_000, () => `graphile-worker ran ${ran} of ${jobs} jobs`);
    // Done means completed in the table (graphile-worker deletes completed jobs), as our drain() means.
    while ((await leftIn(db, schema)) > 0) await new Promise((r) => setTimeout(r, 2));
    // From its first job, not from its start: its pool start-up and migration check are not claiming.
    const elapsed = (performance.now() - first) / 1000;
    return { enqueue, run: jobs / elapsed };
  } finally {
    await runner.stop();
    await db.close();
  }
}

async function leftIn(db: Db, schema: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}._private_jobs`);
  return rows[0].n;
}

async function withTimeout(p: Promise<void>, ms: number, what: () => string): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) =>
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms: ${what()}`)), ms)
  );
  try {
    await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `task(0 … count-1)` with `concurrency` loops. */
async function parallel(concurrency: number, count: number, task: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) await task(next++);
  }));
}

async function timed(count: number, fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return count / ((performance.now() - started) / 1000);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
