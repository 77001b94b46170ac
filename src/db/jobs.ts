/** Typed wrappers of `sql/queries/jobs/*.sql`: one function per statement. */
import type { Queryable } from "./client.ts";
import enqueueJobSql from "../../sql/queries/jobs/enqueue_job.sql" with { type: "text" };
import claimJobsSql from "../../sql/queries/jobs/claim_jobs.sql" with { type: "text" };
import completeJobSql from "../../sql/queries/jobs/complete_job.sql" with { type: "text" };
import completeJobsSql from "../../sql/queries/jobs/complete_jobs.sql" with { type: "text" };
import releaseJobsSql from "../../sql/queries/jobs/release_jobs.sql" with { type: "text" };
import retryJobSql from "../../sql/queries/jobs/retry_job.sql" with { type: "text" };
import failJobSql from "../../sql/queries/jobs/fail_job.sql" with { type: "text" };
import extendLeasesSql from "../../sql/queries/jobs/extend_leases.sql" with { type: "text" };
import rescueExpiredJobsSql from "../../sql/queries/jobs/rescue_expired_jobs.sql" with { type: "text" };
import requeueJobsSql from "../../sql/queries/jobs/requeue_jobs.sql" with { type: "text" };
import nextLeaseExpirySql from "../../sql/queries/jobs/next_lease_expiry.sql" with { type: "text" };
import snoozeJobSql from "../../sql/queries/jobs/snooze_job.sql" with { type: "text" };
import requeueEffectJobsSql from "../../sql/queries/jobs/requeue_effect_jobs.sql" with { type: "text" };
import countOpenJobsSql from "../../sql/queries/jobs/count_open_jobs.sql" with { type: "text" };

/** Job states, as constrained by the table's CHECK. */
export type JobState = "pending" | "running" | "done" | "failed";

/**
 * One claim of a job: its id and the attempt number the claim counted. The attempt number fences every
 * outcome: a run whose job was claimed again (abandoned after maxJobMs, or its lease lost) cannot complete,
 * retry, fail or renew the new claim's job, even in the same process.
 */
export interface Claim {
  id: number;
  attempts: number;
}

/** A job leased to a worker. */
export interface ClaimedJob {
  id: number;
  kind: string;
  payload: Record<string, unknown>;
  attempts: number;
  max_attempts: number;
}

/** Parameters of {@linkcode enqueueJob}. */
export interface EnqueueParams {
  kind: string;
  /** Idempotency key: a second enqueue with the same key does nothing. */
  uniqueKey?: string;
  payload?: Record<string, unknown>;
  maxAttempts: number;
  runAt?: Date;
}

/**
 * The job a stage's statement enqueues for the next stage, keyed on the row it wrote (`<kind>:email:<id>`,
 * `<kind>:raw:<id>`), so a stage that runs twice never doubles it.
 */
export interface NextJob {
  kind: string;
  maxAttempts: number;
}

/** Adds a job; returns its id, or undefined when a job with the same unique key exists. */
export async function enqueueJob(q: Queryable, p: EnqueueParams): Promise<number | undefined> {
  const { rows } = await q.query<{ id: number }>(enqueueJobSql, [
    p.kind,
    p.uniqueKey ?? null,
    JSON.stringify(p.payload ?? {}),
    p.maxAttempts,
    p.runAt ?? null,
  ]);
  return rows[0]?.id;
}

/** Leases up to `limit` runnable jobs to `workerId` for `leaseMs` (only `kinds`, or all but `exceptKinds`). */
export async function claimJobs(
  q: Queryable,
  p: {
    workerId: string;
    limit: number;
    leaseMs: number;
    now?: Date;
    kinds?: string[];
    exceptKinds?: string[];
  },
): Promise<ClaimedJob[]> {
  const { rows } = await q.query<ClaimedJob>(claimJobsSql, [
    p.workerId,
    p.limit,
    p.leaseMs,
    p.now ?? null,
    p.kinds ?? null,
    p.exceptKinds ?? null,
  ]);
  return rows;
}

/** Marks jobs done (those whose claims by `workerId` still hold); returns the ids it completed. */
export async function completeJobs(q: Queryable, p: { jobs: Claim[]; workerId: string }): Promise<number[]> {
  const { rows } = await q.query<{ id: number }>(completeJobsSql, [
    p.jobs.map((j) => j.id),
    p.workerId,
    p.jobs.map((j) => j.attempts),
  ]);
  return rows.map((r) => r.id);
}

/** Returns claimed jobs that never started to the queue. */
export async function releaseJobs(q: Queryable, p: { jobs: Claim[]; workerId: string }): Promise<void> {
  await q.query(releaseJobsSql, [p.jobs.map((j) => j.id), p.workerId, p.jobs.map((j) => j.attempts)]);
}

/** Marks a job done; false when this claim no longer held it. */
export async function completeJob(q: Queryable, p: Claim & { workerId: string }): Promise<boolean> {
  return (await q.query(completeJobSql, [p.id, p.workerId, p.attempts])).count === 1;
}

/**
 * Reschedules a job `delayMs` from now by the database's clock (or fails it when out of attempts); returns its
 * new state, undefined if the claim was lost.
 */
export async function retryJob(
  q: Queryable,
  p: Claim & { workerId: string; error: string; delayMs: number },
): Promise<JobState | undefined> {
  const { rows } = await q.query<{ state: JobState }>(retryJobSql, [
    p.id,
    p.workerId,
    p.error,
    p.delayMs,
    p.attempts,
  ]);
  return rows[0]?.state;
}

/**
 * Puts a job back to wait `delayMs` (by the database's clock) without spending an attempt; false when this
 * claim (`workerId` and `attempts`) no longer holds the job.
 */
export async function snoozeJob(
  q: Queryable,
  p: { id: number; workerId: string; attempts: number; delayMs: number },
): Promise<boolean> {
  return (await q.query(snoozeJobSql, [p.id, p.workerId, p.attempts, p.delayMs])).count === 1;
}

/** Fails a job for good; false when this claim no longer held it. */
export async function failJob(
  q: Queryable,
  p: Claim & { workerId: string; error: string },
): Promise<boolean> {
  return (await q.query(failJobSql, [p.id, p.workerId, p.error, p.attempts])).count === 1;
}

/** Renews the leases of the claims `jobs` of `workerId`; returns how many it renewed. */
export async function extendLeases(
  q: Queryable,
  p: { workerId: string; jobs: Claim[]; leaseMs: number },
): Promise<number> {
  return (await q.query(extendLeasesSql, [
    p.workerId,
    p.jobs.map((j) => j.id),
    p.leaseMs,
    p.jobs.map((j) => j.attempts),
  ])).count;
}

/** Returns jobs with expired leases to pending (or failed); returns them. */
export async function rescueExpiredJobs(
  q: Queryable,
  p: { now?: Date } = {},
): Promise<{ id: number; state: JobState }[]> {
  return (await q.query<{ id: number; state: JobState }>(rescueExpiredJobsSql, [p.now ?? null])).rows;
}

/** Requeues failed jobs: all of them, or those in `ids`. Returns the requeued jobs. */
export async function requeueJobs(
  q: Queryable,
  p: { ids: number[]; all: boolean },
): Promise<{ id: number; kind: string }[]> {
  return (await q.query<{ id: number; kind: string }>(requeueJobsSql, [p.ids, p.all])).rows;
}

/**
 * Makes the deliver jobs of these effects runnable now, whatever their state (running with a late completion,
 * or missing, included), with `maxAttempts` more attempts. Returns one job id per effect.
 */
export async function requeueEffectJobs(
  q: Queryable,
  p: { effectIds: number[]; kind: string; maxAttempts: number },
): Promise<number[]> {
  const { rows } = await q.query<{ id: number }>(requeueEffectJobsSql, [p.effectIds, p.kind, p.maxAttempts]);
  return rows.map((r) => r.id);
}

/** Milliseconds until the earliest lease of a running job expires, or null when no job is running. */
export async function nextLeaseExpiry(q: Queryable): Promise<number | null> {
  return (await q.query<{ ms: number | null }>(nextLeaseExpirySql)).rows[0].ms;
}

/** The number of jobs pending or running. */
export async function countOpenJobs(q: Queryable): Promise<number> {
  return (await q.query<{ open: number }>(countOpenJobsSql)).rows[0].open;
}
