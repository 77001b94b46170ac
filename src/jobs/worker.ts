/**
 * The job dispatcher of one process: claims as many jobs as it has free slots (one round trip per batch),
 * runs them concurrently, renews their leases while they run, rescues jobs whose worker died, and sleeps
 * until a NOTIFY, a freed slot or the poll timer wakes it. Outcomes are written with guarded UPDATEs
 * (`WHERE state = 'running' AND locked_by = me`), so a job whose lease was lost is never completed twice.
 */
import type { Db } from "../db/client.ts";
import {
  type ClaimedJob,
  claimJobs,
  completeJob,
  extendLeases,
  failJob,
  nextLeaseExpiry,
  rescueExpiredJobs,
  retryJob,
} from "../db/jobs.ts";
import { errorText, log } from "../log.ts";
import { backoffMs } from "./backoff.ts";
import { type JobHandler, type Outcome, PermanentError } from "./types.ts";

/** Options of {@linkcode Worker}. */
export interface WorkerOptions {
  workerId: string;
  concurrency: number;
  leaseMs: number;
  /** Longest sleep without a NOTIFY: catches jobs whose run_at came due and missed notifications. */
  pollMs: number;
  /** First retry delay (default 5 s); doubles per attempt. */
  backoffMs?: number;
  random?: () => number;
}

const logger = log("jobs");

/** Runs jobs of the kinds in `handlers` until stopped. */
export class Worker {
  readonly #db: Db;
  readonly #handlers: Record<string, JobHandler>;
  readonly #options: WorkerOptions;
  readonly #inflight = new Map<number, Promise<void>>();
  readonly #abort = new AbortController();
  #stopping = false;
  #wake: () => void = () => {};
  #loop: Promise<void> | undefined;
  #unlisten: (() => Promise<void>) | undefined;
  #lastRescue = 0;
  #lastHeartbeat = Date.now();
  /** Jobs finished by this worker, by outcome (for tests and `--once` summaries). */
  readonly counts = { done: 0, retried: 0, failed: 0, lost: 0 };

  constructor(db: Db, handlers: Record<string, JobHandler>, options: WorkerOptions) {
    this.#db = db;
    this.#handlers = handlers;
    this.#options = options;
  }

  /** Starts the loop in the background. */
  async start(): Promise<void> {
    await this.#listen();
    this.#loop = this.#run(false);
  }

  /** Runs until no job is runnable and none is running (jobs enqueued meanwhile are run too), then returns. */
  async drain(): Promise<void> {
    await this.#run(true);
  }

  /** Wakes the loop (new jobs were enqueued in this process). */
  notify(): void {
    this.#wake();
  }

  /**
   * Stops claiming and waits for running jobs up to `deadlineMs`; then aborts them. Their leases make them
   * safe: another worker takes them up after the lease expires.
   */
  async stop(deadlineMs: number): Promise<void> {
    this.#stopping = true;
    this.#wake();
    const all = Promise.all(this.#inflight.values());
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = await Promise.race([
      all.then(() => false),
      new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(true), deadlineMs)),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      logger.warn("Drain deadline passed; aborting {count} running jobs (their leases will expire)", {
        count: this.#inflight.size,
      });
      this.#abort.abort();
    }
    await this.#loop;
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
      this.#unlisten = await this.#db.listen("ses_daemon_bot_jobs", () => this.#wake());
    } catch (error) {
      logger.warn("LISTEN failed; falling back to polling every {pollMs} ms: {error}", {
        pollMs: this.#options.pollMs,
        error: errorText(error),
      });
    }
  }

  async #run(untilIdle: boolean): Promise<void> {
    let failures = 0;
    while (!this.#stopping) {
      const wakeup = new Promise<void>((resolve) => this.#wake = resolve);
      let claimed = 0;
      let free = 0;
      let idleClaim = false;
      try {
        await this.#maintain();
        // Counted after maintain(): jobs may have finished while it ran.
        free = this.#options.concurrency - this.#inflight.size;
        idleClaim = this.#inflight.size === 0;
        if (free > 0) {
          const jobs = await claimJobs(this.#db, {
            workerId: this.#options.workerId,
            limit: free,
            leaseMs: this.#options.leaseMs,
          });
          claimed = jobs.length;
          for (const job of jobs) this.#start(job);
        }
        failures = 0;
      } catch (error) {
        // The database is down or restarting: keep the jobs we have, and try again with a growing pause.
        failures++;
        const pause = backoffMs(failures, { baseMs: 500, capMs: 30_000 });
        logger.error("Cannot claim jobs (attempt {failures}), retrying in {pause} ms: {error}", {
          failures,
          pause,
          error: errorText(error),
        });
        await sleep(pause, wakeup);
        continue;
      }
      if (claimed > 0 && claimed === free) continue; // maybe more waiting
      // Idle only when a claim that began with nothing running found nothing: a job still running during the
      // claim may commit new jobs after the claim's snapshot.
      if (untilIdle && idleClaim && claimed === 0 && this.#inflight.size === 0) {
        // Jobs still leased to another worker (one that died, say) are part of "what is there": wait for the
        // earliest lease to expire, rescue it, go on. Retries scheduled for later are not waited for.
        const leaseMs = await nextLeaseExpiry(this.#db).catch(() => null);
        if (leaseMs === null) return;
        await sleep(Math.max(50, Math.min(leaseMs + 50, this.#options.leaseMs + 50)));
        this.#lastRescue = 0;
        continue;
      }
      await sleep(this.#options.pollMs, wakeup);
    }
  }

  /** Every so often: renew our leases, and return other workers' expired jobs to the queue. */
  async #maintain(): Promise<void> {
    const now = Date.now();
    const { leaseMs } = this.#options;
    if (this.#inflight.size > 0 && now - this.#lastHeartbeat > leaseMs / 3) {
      this.#lastHeartbeat = now;
      await extendLeases(this.#db, {
        workerId: this.#options.workerId,
        ids: [...this.#inflight.keys()],
        leaseMs,
      });
    }
    if (now - this.#lastRescue > Math.min(leaseMs / 2, 30_000)) {
      this.#lastRescue = now;
      for (const job of await rescueExpiredJobs(this.#db)) {
        logger.warn("Job {jobId} lease expired; now {state}", { jobId: job.id, state: job.state });
      }
    }
  }

  #start(job: ClaimedJob): void {
    const run = this.#execute(job).finally(() => {
      this.#inflight.delete(job.id);
      this.#wake();
    });
    this.#inflight.set(job.id, run);
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
        outcome = (await handler({ job, db: this.#db, log: jobLog, signal: this.#abort.signal })) ??
          { type: "done" };
      } catch (error) {
        outcome = error instanceof PermanentError
          ? { type: "fail", reason: errorText(error) }
          : { type: "retry", reason: errorText(error) };
      }
    }
    const ms = Math.round(performance.now() - started);
    await this.#record(job, outcome, jobLog, ms);
  }

  async #record(job: ClaimedJob, outcome: Outcome, jobLog: typeof logger, ms: number): Promise<void> {
    const workerId = this.#options.workerId;
    // The outcome must reach the database; if it is briefly down, try a few times before leaving it to the lease.
    for (let attempt = 1;; attempt++) {
      try {
        if (outcome.type === "done") {
          const ok = await completeJob(this.#db, { id: job.id, workerId });
          this.#count(ok ? "done" : "lost", jobLog, job);
          if (ok) jobLog.debug("Job done in {ms} ms", { ms });
        } else if (outcome.type === "fail") {
          const ok = await failJob(this.#db, { id: job.id, workerId, error: outcome.reason });
          this.#count(ok ? "failed" : "lost", jobLog, job);
          if (ok) jobLog.error("Job failed for good: {reason}", { reason: outcome.reason });
        } else {
          const delay = outcome.delayMs ??
            backoffMs(job.attempts, { baseMs: this.#options.backoffMs, random: this.#options.random?.() });
          const runAt = new Date(Date.now() + delay);
          const state = await retryJob(this.#db, { id: job.id, workerId, error: outcome.reason, runAt });
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
