/**
 * Bounded storage (issue 18): done jobs are deleted after RETENTION_JOBS, and the raw bytes of processed
 * emails are dropped after RETENTION_RAW where the original is still kept at its location. Emails, effects
 * and failed jobs stay. One run at a time across every daemon (a lease row in `retention_runs`); each
 * statement touches at most one batch (1,000 rows), so no lock is held for long.
 */
import type { Db } from "../db/client.ts";
import {
  closeExpiredRuns,
  deleteDoneJobs,
  dropRaw,
  finishRun,
  listDroppableRaw,
  renewRun,
  type RunCounts,
  startRun,
} from "../db/retention.ts";
import { errorText, log } from "../log.ts";
import type { OriginalCheck } from "./originals.ts";

const logger = log("retention");

/** Options of {@linkcode runRetention}. */
export interface RetentionOptions {
  /** Who runs it (the daemon's worker id), recorded on the run's lease. */
  workerId: string;
  /** Done jobs finished longer ago than this are deleted. */
  jobsMs: number;
  /** Raw bytes of emails processed longer ago than this are dropped; undefined: kept (RETENTION_RAW=off). */
  rawMs: number | undefined;
  /** Whether an original is still at its location. */
  originals: OriginalCheck;
  /** Rows per statement; default 1,000. */
  batchSize?: number;
  /** The run's lease, renewed after each batch; default 5 minutes. */
  leaseMs?: number;
  /** No run starts within this long of the last successful one (any daemon's); default 1 hour. */
  intervalMs?: number;
  /** The clock (tests); default the database's. */
  now?: Date;
  /** Stops the run after the current batch (shutdown). */
  signal?: AbortSignal;
}

/** What one call did; `ran` is false when it was not this daemon's turn. */
export interface RetentionResult extends RunCounts {
  ran: boolean;
}

/** HEAD requests (or stats) in flight at once while checking a batch of originals. */
const CHECK_CONCURRENCY = 16;

/** Runs retention once if no other run is open and none finished within the interval. */
export async function runRetention(db: Db, options: RetentionOptions): Promise<RetentionResult> {
  const batchSize = options.batchSize ?? 1000;
  const leaseMs = options.leaseMs ?? 5 * 60_000;
  const total: RetentionResult = { ran: false, jobsDeleted: 0, rawDropped: 0, rawKept: 0 };
  await closeExpiredRuns(db, options.now);
  const id = await startRun(db, {
    lockedBy: options.workerId,
    leaseMs,
    intervalMs: options.intervalMs ?? 3_600_000,
    now: options.now,
  });
  if (id === undefined) return total;
  total.ran = true;
  const run = { id, lockedBy: options.workerId, leaseMs };
  const nowMs = (options.now ?? new Date()).getTime();
  // Adds a batch's counts to the run's row and renews its lease; false: the run was closed, stop.
  const batchDone = async (counts: RunCounts) => {
    total.jobsDeleted += counts.jobsDeleted;
    total.rawDropped += counts.rawDropped;
    total.rawKept += counts.rawKept;
    return await renewRun(db, run, counts);
  };
  let error: string | null = null;
  try {
    const jobsCutoff = new Date(nowMs - options.jobsMs);
    for (;;) {
      const deleted = await deleteDoneJobs(db, jobsCutoff, batchSize);
      if (!await batchDone({ jobsDeleted: deleted, rawDropped: 0, rawKept: 0 })) return total;
      if (deleted < batchSize || options.signal?.aborted) break;
    }
    if (options.rawMs !== undefined && !options.signal?.aborted) {
      const rawCutoff = new Date(nowMs - options.rawMs);
      let after: { receivedAt: string; id: number } | undefined;
      for (;;) {
        const raws = await listDroppableRaw(db, rawCutoff, { after, limit: batchSize });
        if (raws.length === 0) break;
        const last = raws[raws.length - 1];
        after = { receivedAt: last.received_at, id: last.id };
        const found = await checkOriginals(raws, options.originals);
        const dropped = found.length > 0 ? (await dropRaw(db, found)).length : 0;
        const counts = { jobsDeleted: 0, rawDropped: dropped, rawKept: raws.length - dropped };
        if (!await batchDone(counts)) return total;
        if (raws.length < batchSize || options.signal?.aborted) break;
      }
    }
    return total;
  } catch (e) {
    error = errorText(e);
    throw e;
  } finally {
    await finishRun(db, run, error).catch(() => undefined);
    const summary =
      "Retention run {id}: {jobsDeleted} done jobs deleted, {rawDropped} raw messages dropped, " +
      "{rawKept} kept (original not found at its location)";
    // A run stopped by an error is logged by whoever called it (startRetention: tried again later).
    if (error === null) logger.info(summary, { id, ...total });
  }
}

/** The raws whose original is at its location, checked a few at a time. */
async function checkOriginals(
  raws: { id: number; location: string; size_bytes: number }[],
  originals: OriginalCheck,
): Promise<{ id: number; location: string }[]> {
  const found: { id: number; location: string }[] = [];
  for (let i = 0; i < raws.length; i += CHECK_CONCURRENCY) {
    const slice = raws.slice(i, i + CHECK_CONCURRENCY);
    const present = await Promise.all(slice.map((r) => originals(r.location, r.size_bytes)));
    slice.forEach((r, j) => {
      if (present[j]) found.push({ id: r.id, location: r.location });
    });
  }
  return found;
}

/** Options of {@linkcode startRetention}: those of runRetention, and how often to look. */
export interface RetentionLoopOptions extends Omit<RetentionOptions, "now"> {
  /** How often each daemon asks whether a run is due; default 5 minutes (the interval decides). */
  checkEveryMs?: number;
  signal: AbortSignal;
}

/**
 * Asks every few minutes whether a retention run is due, and runs it; resolves once `signal` aborts and the
 * current run (if any) has ended its batch. A failing run is logged and retried at the next check.
 */
export async function startRetention(db: Db, options: RetentionLoopOptions): Promise<void> {
  const every = options.checkEveryMs ?? 5 * 60_000;
  // Not at once: a daemon starting has enough to do, and several starting together spread out.
  let delay = Math.min(every, 30_000) * (0.5 + Math.random());
  while (!options.signal.aborted) {
    await sleep(delay, options.signal);
    if (options.signal.aborted) break;
    try {
      await runRetention(db, options);
    } catch (error) {
      logger.error("Retention run stopped (tried again in {ms} ms): {error}", {
        ms: every,
        error: errorText(error),
      });
    }
    delay = every * (0.9 + 0.2 * Math.random());
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
