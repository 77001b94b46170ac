/** What a job handler is given and what it may answer. */
import type { Logger } from "@logtape/logtape";
import type { Db } from "../db/client.ts";
import type { ClaimedJob } from "../db/jobs.ts";

/**
 * A handler's explicit outcome: `done`; `retry` later (after `delayMs`, else the backoff); `snooze`: run again
 * after `delayMs` without spending an attempt (a wait that is no failure, such as a send slot); or `fail` for
 * good, so that a human looks at it. Returning nothing means done; throwing means retry with backoff.
 */
export type Outcome =
  | { type: "done" }
  | { type: "retry"; reason: string; delayMs?: number }
  | { type: "snooze"; reason: string; delayMs: number }
  | { type: "fail"; reason: string };

/** What a running job gets. */
export interface JobContext {
  job: ClaimedJob;
  /** The worker holding the claim (with `job.attempts`, what fences the job's own writes, see Claim). */
  workerId: string;
  db: Db;
  log: Logger;
  /** Aborted when the worker must stop at once (second signal, or the drain deadline passed). */
  signal: AbortSignal;
}

/** Runs one job of a kind. */
export type JobHandler = (ctx: JobContext) => Promise<Outcome | void>;

/** Thrown by a handler for an error that no retry can fix (the job fails for good). */
export class PermanentError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PermanentError";
  }
}
