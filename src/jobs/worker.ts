/**
 * The job dispatcher of one process. Jobs run in pools (by default one; the daemon gives the LLM-bound
 * `classify` stage a pool of its own so that slow model calls do not starve the other stages). Each pool keeps
 * a buffer of claimed jobs ahead of its free slots, so one claim round trip feeds many jobs. A finishing job
 * starts the next buffered one at once, without waiting for the loop or the database; successful jobs are
 * marked done in batches by a flush of its own (one UPDATE in flight at a time, covering every job that
 * finished meanwhile). The loop claims when a buffer runs low, renews the leases of running, buffered and
 * finishing jobs, and rescues jobs whose worker died; it sleeps until a NOTIFY, a low buffer or the poll timer
 * wakes it. A pool with a claim interval that still has work waits out the interval (a timer wakes the loop). Every outcome is written with guarded UPDATEs (`WHERE state = 'running' AND locked_by = me`), so a
 * job whose lease was lost is never completed twice.
 *
 * Measured with `deno task bench --only queue` (no-op jobs, 2 cores): one claim and one commit per job gave
 * ~700 jobs/s at concurrency 1; batched claims and completions awaited by the loop ~1,800-20,000; starting
 * jobs and flushing completions apart from the loop is what lets the queue run at the speed of its SQL.
 */
import type { Db } from "../db/client.ts";
import {
  type ClaimedJob,
  claimJobs,
  completeJobs,
  extendLeases,
  failJob,
  nextLeaseExpiry,
  releaseJobs,
  rescueExpiredJobs,
  retryJob,
  snoozeJob,
} from "../db/jobs.ts";
import { errorText, log } from "../log.ts";
import { withTimeout } from "../timeout.ts";
import { backoffMs } from "./backoff.ts";
import { type JobHandler, type Outcome, PermanentError } from "./types.ts";

/** A group of job kinds with its own number of slots. */
export interface PoolOptions {
  /** The kinds this pool runs; omitted: every kind no other pool names. */
  kinds?: string[];
  concurrency: number;
  /**
   * Jobs claimed ahead of the free slots (default 100). Deep for short jobs: one claim feeds many (measured:
   * claim+complete of no-op jobs at 16 slots went from ~9,000/s with 32 ahead to ~18,800/s with 100). Shallow
   * for slow jobs, so that another instance finds work instead of waiting for this one's buffer.
   */
  prefetch?: number;
  /**
   * Least time between two claims of this pool while it has work (default 0). Jobs that trickle in one at a
   * time are then claimed together: fewer claim statements for the same work. An idle pool claims at once.
   */
  claimIntervalMs?: number;
}

/** Options of {@linkcode Worker}. */
export interface WorkerOptions {
  workerId: string;
  /** Slots of the single default pool (ignored when `pools` is given). */
  concurrency: number;
  pools?: PoolOptions[];
  leaseMs: number;
  /** Longest sleep without a NOTIFY: catches jobs whose run_at came due and missed notifications. */
  pollMs: number;
  /** First retry delay (default 5 s); doubles per attempt. */
  backoffMs?: number;
  /**
   * A job running longer than this (default 10 min) is abandoned: its slot is freed and its lease no longer
   * renewed, so it runs again elsewhere once the lease expires. It guards against a handler stuck on a query
   * that never settles; every stage takes seconds at most (LLM and webhook requests have their own timeouts).
   */
  maxJobMs?: number;
  random?: () => number;
  /**
   * The host's clock (ms since the epoch; default Date.now). Only durations are measured with it: times
   * stored in the database (run_at, leases) are computed there, from its own clock.
   */
  now?: () => number;
}

interface Running {
  done: Promise<void>;
  startedAt: number;
  job: ClaimedJob;
}

interface Pool {
  kinds?: string[];
  exceptKinds?: string[];
  concurrency: number;
  /** Jobs claimed beyond the free slots, started as slots free up. */
  prefetch: number;
  running: Map<number, Running>;
  buffer: ClaimedJob[];
  claimIntervalMs: number;
  lastClaimAt: number;
}

interface Finished {
  job: ClaimedJob;
  jobLog: ReturnType<typeof log>;
  ms: number;
}

const logger = log("jobs");

/**
 * Finished jobs are marked done together, one UPDATE in flight at a time: when 64 have gathered, when nothing
 * else runs, or 5 ms after the first one finished (graphile-worker's completeJobBatchDelay does the same), so
 * that even one slot makes one UPDATE per batch instead of per job. Jobs finishing while an UPDATE is in
 * flight go into the next one.
 */
const FLUSH_BATCH = 64;
const FLUSH_DELAY_MS = 5;

/**
 * The dispatcher's own queries take milliseconds. A query on a connection that postgres.js lost mid-write
 * can stay unsettled (see src/db/client.ts); without a limit the whole loop waited on it for good (seen after
 * pg_terminate_backend). Past this, the loop gives up on that query and tries again.
 */
const LOOP_QUERY_TIMEOUT_MS = 15_000;

/**
 * Longest pause between two claims (or two flushes) while the database fails. A refused claim costs nothing;
 * with a 30 s cap the few failures of a fast restart (~1 s down) left the loop asleep up to 8 s after the
 * server was back (tests/db_restart_test.ts).
 */
const LOOP_RETRY_CAP_MS = 2_000;

function limited<T>(what: string, promise: Promise<T>): Promise<T> {
  return withTimeout(
    promise,
    LOOP_QUERY_TIMEOUT_MS,
    `${what}: no answer from the database in ${LOOP_QUERY_TIMEOUT_MS} ms`,
  );
}

/** Runs jobs of the kinds in `handlers` until stopped. */
export class Worker {
  readonly #db: Db;
  readonly #handlers: Record<string, JobHandler>;
  readonly #options: WorkerOptions;
  readonly #now: () => number;
  readonly #pools: Pool[];
  /** Jobs whose handler said done, waiting for the next batched UPDATE. */
  #finished: Finished[] = [];
  /** The UPDATE marking a batch done, while in flight. */
  #flushing: Promise<void> | undefined;
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  #flushFailures = 0;
  readonly #abort = new AbortController();
  #stopping = false;
  #wake: () => void = () => {};
  #loop: Promise<void> | undefined;
  #unlisten: (() => Promise<void>) | undefined;
  #lastRescue = 0;
  #lastHeartbeat: number;
  /**
   * When (performance.now()) the jobs this worker snoozed come due: the loop wakes for each (no NOTIFY comes
   * for a job that becomes due later) and `drain` waits for them.
   */
  #snoozeDue: number[] = [];
  /** Jobs finished by this worker, by outcome (for tests and `--once` summaries). */
  readonly counts = { done: 0, retried: 0, failed: 0, lost: 0 };

  constructor(db: Db, handlers: Record<string, JobHandler>, options: WorkerOptions) {
    this.#db = db;
    this.#handlers = handlers;
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#lastHeartbeat = this.#now();
    const pools = options.pools ?? [{ concurrency: options.concurrency }];
    const named = pools.flatMap((p) => p.kinds ?? []);
    this.#pools = pools.map((p) => ({
      kinds: p.kinds,
      exceptKinds: p.kinds ? undefined : named.length > 0 ? named : undefined,
      concurrency: p.concurrency,
      prefetch: p.prefetch ?? 100,
      running: new Map(),
      buffer: [],
      claimIntervalMs: p.claimIntervalMs ?? 0,
      lastClaimAt: -Infinity,
    }));
  }

  /** Starts the loop in the background. */
  async start(): Promise<void> {
    await this.#listen();
    this.#loop = this.#run(false);
  }

  /** Runs until no job is runnable and none is running (jobs enqueued meanwhile are run too), then returns. */
  async drain(): Promise<void> {
    try {
      await this.#run(true);
    } finally {
      this.#clearWakeTimer(); // a claim interval's wake, set by a pass before the idle one
    }
  }

  /** New jobs were enqueued in this process: wakes the loop when a pool can claim them (see #jobsAdded). */
  notify(): void {
    this.#jobsAdded();
  }

  /**
   * New jobs may be runnable (NOTIFY, or {@linkcode notify}): wake the loop now if a pool could claim now;
   * pools whose buffer covers their slots ignore it, pools within their claim interval claim when it ends.
   * Each job a stage stores notifies: the end-to-end bench woke the loop ~3 times a message.
   */
  #jobsAdded(): void {
    if (this.#stopping) return this.#wake();
    const now = performance.now();
    let soonest = Infinity;
    for (const pool of this.#pools) {
      if (!this.#low(pool)) continue;
      const wait = pool.lastClaimAt + pool.claimIntervalMs - now;
      if (wait <= 0 || (pool.running.size === 0 && pool.buffer.length === 0)) return this.#wake();
      soonest = Math.min(soonest, wait);
    }
    if (soonest < Infinity) this.#wakeIn(soonest);
  }

  /**
   * Stops claiming and waits for running jobs up to `deadlineMs`; then aborts them. Their leases make them
   * safe: another worker takes them up after the lease expires. Buffered jobs go back to the queue at once.
   */
  async stop(deadlineMs: number): Promise<void> {
    this.#stopping = true;
    this.#wake();
    await this.#loop;
    // The loop no longer runs: renew the leases of running and finishing jobs from here until the drain ends,
    // or another instance takes a job over that is still running here (a slow webhook was POSTed twice).
    const renewing = setInterval(() => this.#renewDuringDrain(), this.#options.leaseMs / 3);
    try {
      await this.#drainRunning(deadlineMs);
    } finally {
      clearInterval(renewing);
      await this.#drainRenewal;
    }
  }

  #drainRenewal: Promise<void> | undefined;

  #renewDuringDrain(): void {
    if (this.#drainRenewal) return; // one at a time; a stuck one gives up after LOOP_QUERY_TIMEOUT_MS
    this.#drainRenewal = limited("lease renewal", this.#renewAndRescue(this.#now(), true, false))
      .catch((error) =>
        logger.warn("Cannot renew leases while draining: {error}", { error: errorText(error) })
      )
      .finally(() => this.#drainRenewal = undefined);
  }

  async #drainRunning(deadlineMs: number): Promise<void> {
    await this.#release();
    const all = Promise.all(this.#pools.flatMap((p) => [...p.running.values()].map((r) => r.done)));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = await Promise.race([
      all.then(() => false),
      new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(true), deadlineMs)),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      logger.warn("Drain deadline passed; aborting {count} running jobs (their leases will expire)", {
        count: this.#runningCount(),
      });
      this.#abort.abort();
    }
    // The last completions, written here: an UPDATE still in flight may fail and set a retry timer.
    await this.#flushing;
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    this.#clearWakeTimer();
    await this.#flush().catch(() => {});
    await this.#unlisten?.().catch(() => {});
  }

  /** Aborts running jobs at once (second signal). */
  abort(): void {
    this.#stopping = true;
    this.#abort.abort();
    this.#wake();
  }

  async #listen(): Promise<void> {
    try {
      this.#unlisten = await this.#db.listen("ses_daemon_bot_jobs", () => this.#jobsAdded());
    } catch (error) {
      logger.warn("LISTEN failed; falling back to polling every {pollMs} ms: {error}", {
        pollMs: this.#options.pollMs,
        error: errorText(error),
      });
    }
  }

  #runningCount(): number {
    return this.#pools.reduce((n, p) => n + p.running.size, 0);
  }

  #busy(): boolean {
    return this.#pools.some((p) => p.running.size > 0 || p.buffer.length > 0) || this.#finished.length > 0 ||
      this.#flushing !== undefined;
  }

  /** A pool's buffer no longer covers its free slots and half its prefetch: time to claim. */
  #low(pool: Pool): boolean {
    return pool.buffer.length <= pool.concurrency - pool.running.size + pool.prefetch / 2;
  }

  async #run(untilIdle: boolean): Promise<void> {
    let failures = 0;
    while (!this.#stopping) {
      const wakeup = new Promise<void>((resolve) => this.#wake = resolve);
      let claimed = 0;
      let full = false;
      let idleClaim = false;
      try {
        this.#startBuffered();
        const upkeep = this.#maintain();
        if (upkeep) await limited("lease maintenance", upkeep);
        // Decided after the awaits: jobs may have finished meanwhile.
        idleClaim = !this.#busy();
        for (const pool of this.#pools) {
          const want = pool.concurrency - pool.running.size + pool.prefetch - pool.buffer.length;
          if (!this.#low(pool) || want <= 0) continue;
          const wait = pool.lastClaimAt + pool.claimIntervalMs - performance.now();
          if (wait > 0 && (pool.running.size > 0 || pool.buffer.length > 0)) {
            this.#wakeIn(wait);
            continue;
          }
          pool.lastClaimAt = performance.now();
          const jobs = await limited(
            "claiming jobs",
            claimJobs(this.#db, {
              workerId: this.#options.workerId,
              limit: want,
              leaseMs: this.#options.leaseMs,
              kinds: pool.kinds,
              exceptKinds: pool.exceptKinds,
            }),
          );
          pool.buffer.push(...jobs);
          claimed += jobs.length;
          if (jobs.length === want) full = true;
        }
        this.#startBuffered();
        failures = 0;
      } catch (error) {
        // The database is down or restarting: keep the jobs we have, and try again with a growing pause.
        failures++;
        const pause = backoffMs(failures, { baseMs: 250, capMs: LOOP_RETRY_CAP_MS });
        logger.error("Cannot claim jobs (attempt {failures}), retrying in {pause} ms: {error}", {
          failures,
          pause,
          error: errorText(error),
        });
        await sleep(pause, wakeup);
        continue;
      }
      if (full) continue; // maybe more waiting
      // Idle only when a claim that began with nothing running found nothing: a job still running during the
      // claim may commit new jobs after the claim's snapshot.
      if (untilIdle && idleClaim && claimed === 0 && !this.#busy()) {
        // Jobs this worker snoozed (waiting for a send slot) are part of the work: wait for them.
        if (this.#armSnoozeWake()) {
          await sleep(this.#options.pollMs, wakeup);
          continue;
        }
        // Jobs still leased to another worker (one that died, say) are part of "what is there": wait for the
        // earliest lease to expire, rescue it, go on. Retries scheduled for later are not waited for.
        const leaseMs = await limited("lease expiry", nextLeaseExpiry(this.#db)).catch(() => null);
        if (leaseMs === null) return;
        // Live workers finish their jobs long before their leases end: look again soon.
        await sleep(Math.max(50, Math.min(leaseMs + 50, 250)));
        if (leaseMs < 250) this.#lastRescue = 0;
        continue;
      }
      if (claimed > 0) continue;
      this.#armSnoozeWake();
      // Holding jobs, sleep no longer than the next heartbeat: with POLL_INTERVAL near JOB_LEASE / 3 a quiet
      // loop would renew the leases of long jobs too late.
      const untilHeartbeat = this.#lastHeartbeat + this.#options.leaseMs / 3 + 1 - this.#now();
      await sleep(
        this.#busy() ? Math.max(10, Math.min(this.#options.pollMs, untilHeartbeat)) : this.#options.pollMs,
        wakeup,
      );
    }
  }

  #wakeTimer: { at: number; timer: ReturnType<typeof setTimeout> } | undefined;

  /** Wakes the loop in `ms`, or sooner when an earlier wake is already set. */
  #wakeIn(ms: number): void {
    const at = performance.now() + ms;
    if (this.#wakeTimer && this.#wakeTimer.at <= at) return;
    this.#clearWakeTimer();
    this.#wakeTimer = {
      at,
      timer: setTimeout(() => {
        this.#wakeTimer = undefined;
        this.#wake();
      }, ms),
    };
  }

  /** Sets the wake for the earliest snoozed job still to come due; false when none is. */
  #armSnoozeWake(): boolean {
    const now = performance.now();
    this.#snoozeDue = this.#snoozeDue.filter((at) => at > now);
    if (this.#snoozeDue.length === 0) return false;
    // A few ms late: the claim compares run_at with the database's clock.
    this.#wakeIn(Math.min(...this.#snoozeDue) - now + 5);
    return true;
  }

  #clearWakeTimer(): void {
    clearTimeout(this.#wakeTimer?.timer);
    this.#wakeTimer = undefined;
  }

  /** Starts buffered jobs in every pool's free slots. */
  #startBuffered(): void {
    for (const pool of this.#pools) this.#startPool(pool);
  }

  #startPool(pool: Pool): void {
    while (pool.running.size < pool.concurrency && pool.buffer.length > 0) {
      const job = pool.buffer.shift()!;
      const entry: Running = { done: Promise.resolve(), startedAt: this.#now(), job };
      pool.running.set(job.id, entry);
      entry.done = this.#execute(job).then(() => this.#settled(pool, entry));
    }
  }

  /** A job's outcome is known: free its slot, start the next buffered job, and wake the loop if it has work. */
  #settled(pool: Pool, entry: Running): void {
    if (pool.running.get(entry.job.id) === entry) pool.running.delete(entry.job.id);
    if (!this.#stopping) this.#startPool(pool);
    this.#scheduleFlush();
    if (this.#stopping || this.#runningCount() === 0) return this.#wake();
    if (!this.#low(pool)) return;
    // Within the pool's claim interval a pass would only set the wake timer: set it from here instead (the
    // end-to-end bench woke the loop ~4 times a message for nothing).
    const wait = pool.lastClaimAt + pool.claimIntervalMs - performance.now();
    if (wait > 0) this.#wakeIn(wait);
    else this.#wake();
  }

  /**
   * Every so often: abandon overdue jobs, renew our leases, and return other workers' expired jobs to the
   * queue. The loop runs this on every pass, so what is not due costs nothing: no list of held jobs, no
   * query; undefined when there is nothing to wait for.
   */
  #maintain(): Promise<void> | undefined {
    const now = this.#now();
    const { leaseMs } = this.#options;
    if (now - this.#lastOverdueCheck >= 1000) {
      this.#lastOverdueCheck = now;
      this.#abandonOverdue(now);
    }
    const heartbeat = now - this.#lastHeartbeat > leaseMs / 3;
    const rescue = now - this.#lastRescue > Math.min(leaseMs / 2, 30_000);
    return heartbeat || rescue ? this.#renewAndRescue(now, heartbeat, rescue) : undefined;
  }

  #lastOverdueCheck = 0;

  /** Frees the slots of jobs running longer than `maxJobMs` (checked about once a second). */
  #abandonOverdue(now: number): void {
    const maxJobMs = this.#options.maxJobMs ?? 600_000;
    for (const pool of this.#pools) {
      for (const r of pool.running.values()) {
        if (now - r.startedAt <= maxJobMs) continue;
        pool.running.delete(r.job.id);
        logger.error(
          "Job {jobId} ({kind}) ran over {maxJobMs} ms; abandoned, it runs again when its lease expires",
          {
            jobId: r.job.id,
            kind: r.job.kind,
            maxJobMs,
          },
        );
      }
    }
  }

  async #renewAndRescue(now: number, heartbeat: boolean, rescue: boolean): Promise<void> {
    const { leaseMs } = this.#options;
    if (heartbeat) {
      const jobs = [
        ...this.#pools.flatMap((p) => [...[...p.running.values()].map((r) => r.job), ...p.buffer]),
        ...this.#finished.map((f) => f.job),
      ];
      // Due again in leaseMs / 3 even with nothing held: a job claimed meanwhile has a whole lease.
      this.#lastHeartbeat = now;
      if (jobs.length > 0) await extendLeases(this.#db, { workerId: this.#options.workerId, jobs, leaseMs });
    }
    if (rescue) {
      this.#lastRescue = now;
      for (const job of await rescueExpiredJobs(this.#db)) {
        logger.warn("Job {jobId} lease expired; now {state}", { jobId: job.id, state: job.state });
      }
    }
  }

  /** Starts the UPDATE of finished jobs now (batch full, or nothing else running) or soon. */
  #scheduleFlush(): void {
    // While backing off after a failure, the retry timer starts the next one.
    if (this.#flushing || this.#finished.length === 0 || this.#flushFailures > 0) return;
    if (this.#finished.length >= FLUSH_BATCH || this.#runningCount() === 0) {
      clearTimeout(this.#flushTimer);
      this.#flushTimer = undefined;
      this.#startFlush();
    } else {
      this.#flushTimer ??= setTimeout(() => {
        this.#flushTimer = undefined;
        this.#startFlush();
      }, FLUSH_DELAY_MS);
    }
  }

  #startFlush(): void {
    if (this.#flushing || this.#finished.length === 0) return;
    this.#flushing = limited("completing jobs", this.#flush()).then(
      () => {
        this.#flushFailures = 0;
        this.#flushing = undefined;
        this.#scheduleFlush();
        this.#wake();
      },
      (error) => {
        // The database is down or restarting: the batch is back in #finished and its leases are still
        // renewed; try again with a growing pause.
        this.#flushing = undefined;
        this.#flushFailures++;
        const pause = backoffMs(this.#flushFailures, { baseMs: 250, capMs: LOOP_RETRY_CAP_MS });
        logger.error("Cannot mark {count} jobs done (attempt {failures}), retrying in {pause} ms: {error}", {
          count: this.#finished.length,
          failures: this.#flushFailures,
          pause,
          error: errorText(error),
        });
        clearTimeout(this.#flushTimer);
        this.#flushTimer = setTimeout(() => {
          this.#flushTimer = undefined;
          this.#startFlush();
        }, pause);
        this.#wake(); // a draining loop looks again (and sleeps until the retry)
      },
    );
  }

  /** Marks every job finished since the last call done, in one statement. */
  async #flush(): Promise<void> {
    if (this.#finished.length === 0) return;
    const batch = this.#finished;
    this.#finished = [];
    let done: Set<number>;
    try {
      done = new Set(
        await completeJobs(this.#db, { jobs: batch.map((f) => f.job), workerId: this.#options.workerId }),
      );
    } catch (error) {
      this.#finished.push(...batch); // try again next time; the leases are still renewed meanwhile
      throw error;
    }
    for (const f of batch) {
      if (done.has(f.job.id)) {
        this.counts.done++;
        f.jobLog.debug("Job done in {ms} ms", { ms: f.ms });
      } else {
        this.#count("lost", f.jobLog, f.job);
      }
    }
  }

  /** Returns buffered jobs (never started) to the queue. */
  async #release(): Promise<void> {
    const jobs = this.#pools.flatMap((p) => p.buffer.splice(0));
    if (jobs.length === 0) return;
    await releaseJobs(this.#db, { jobs, workerId: this.#options.workerId }).catch((error) =>
      logger.warn("Cannot release {count} buffered jobs; their leases will expire: {error}", {
        count: jobs.length,
        error: errorText(error),
      })
    );
  }

  async #execute(job: ClaimedJob): Promise<void> {
    const jobLog = logger.with({ jobId: job.id, kind: job.kind, attempt: job.attempts });
    const handler = this.#handlers[job.kind];
    let outcome: Outcome;
    const started = performance.now();
    if (!handler) {
      outcome = { type: "fail", reason: `no handler for job kind "${job.kind}" in this version` };
    } else {
      try {
        outcome = (await handler({
          job,
          workerId: this.#options.workerId,
          db: this.#db,
          log: jobLog,
          signal: this.#abort.signal,
        })) ??
          { type: "done" };
      } catch (error) {
        outcome = error instanceof PermanentError
          ? { type: "fail", reason: errorText(error) }
          : { type: "retry", reason: errorText(error) };
      }
    }
    const ms = Math.round(performance.now() - started);
    if (outcome.type === "done") {
      this.#finished.push({ job, jobLog, ms }); // marked done by #scheduleFlush, called from #settled
      return;
    }
    await this.#record(job, outcome, jobLog);
  }

  async #record(job: ClaimedJob, outcome: Exclude<Outcome, { type: "done" }>, jobLog: typeof logger) {
    const workerId = this.#options.workerId;
    // The outcome must reach the database; if it is briefly down, try a few times before leaving it to the lease.
    // Each try has a deadline: a statement sent on a connection postgres.js lost can stay unsettled, and the
    // job would stay in its slot, its lease renewed, for good (seen in the connection-cut fault test).
    for (let attempt = 1;; attempt++) {
      try {
        if (outcome.type === "snooze") {
          const ok = await limited(
            "snoozing a job",
            snoozeJob(this.#db, { id: job.id, workerId, attempts: job.attempts, delayMs: outcome.delayMs }),
          );
          if (!ok) this.#count("lost", jobLog, job);
          else {jobLog.debug("Job waits {delay} ms: {reason}", {
              delay: outcome.delayMs,
              reason: outcome.reason,
            });}
          // Woken then, not at the next poll (POLL_INTERVAL, 10 s by default, would idle the slots it holds).
          this.#snoozeDue.push(performance.now() + outcome.delayMs);
          this.#wakeIn(outcome.delayMs);
        } else if (outcome.type === "fail") {
          const ok = await limited(
            "recording a failed job",
            failJob(this.#db, { id: job.id, attempts: job.attempts, workerId, error: outcome.reason }),
          );
          this.#count(ok ? "failed" : "lost", jobLog, job);
          if (ok) jobLog.error("Job failed for good: {reason}", { reason: outcome.reason });
        } else {
          const delay = outcome.delayMs ??
            backoffMs(job.attempts, { baseMs: this.#options.backoffMs, random: this.#options.random?.() });
          const state = await limited(
            "recording a job's retry",
            retryJob(this.#db, {
              id: job.id,
              attempts: job.attempts,
              workerId,
              error: outcome.reason,
              delayMs: delay,
            }),
          );
          this.#count(state === "failed" ? "failed" : state ? "retried" : "lost", jobLog, job);
          if (state === "failed") {
            jobLog.error("Job failed after {attempts} attempts: {reason}", {
              attempts: job.attempts,
              reason: outcome.reason,
            });
          } else if (state) {
            jobLog.warn("Job will retry in {delay} ms: {reason}", { delay, reason: outcome.reason });
          }
        }
        return;
      } catch (error) {
        if (attempt >= 5) {
          jobLog.error("Cannot record job outcome; its lease will expire and it runs again: {error}", {
            error: errorText(error),
          });
          return;
        }
        await sleep(backoffMs(attempt, { baseMs: 500, capMs: 5_000 }));
      }
    }
  }

  #count(what: keyof Worker["counts"], jobLog: typeof logger, job: ClaimedJob): void {
    this.counts[what]++;
    if (what === "lost") jobLog.warn("Job {jobId} lease was lost before it finished", { jobId: job.id });
  }
}

function sleep(ms: number, wake?: Promise<void>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const slept = new Promise<void>((resolve) => timer = setTimeout(resolve, ms));
  return Promise.race([slept, wake ?? slept]).finally(() => clearTimeout(timer));
}
