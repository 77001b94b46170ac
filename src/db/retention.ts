/** Typed wrappers of `sql/queries/retention/*.sql`. */
import type { Queryable } from "./client.ts";
import closeExpiredRunsSql from "../../sql/queries/retention/close_expired_runs.sql" with { type: "text" };
import startRunSql from "../../sql/queries/retention/start_run.sql" with { type: "text" };
import renewRunSql from "../../sql/queries/retention/renew_run.sql" with { type: "text" };
import finishRunSql from "../../sql/queries/retention/finish_run.sql" with { type: "text" };
import lastRunSql from "../../sql/queries/retention/last_run.sql" with { type: "text" };
import deleteDoneJobsSql from "../../sql/queries/retention/delete_done_jobs.sql" with { type: "text" };
import listDroppableRawSql from "../../sql/queries/retention/list_droppable_raw.sql" with { type: "text" };
import dropRawSql from "../../sql/queries/retention/drop_raw.sql" with { type: "text" };
import tableSizesSql from "../../sql/queries/retention/table_sizes.sql" with { type: "text" };

/** Closes runs whose lease expired; returns how many. */
export async function closeExpiredRuns(q: Queryable, now?: Date): Promise<number> {
  return (await q.query(closeExpiredRunsSql, [now ?? null])).count;
}

/** Parameters of {@linkcode startRun}. */
export interface StartRunParams {
  lockedBy: string;
  leaseMs: number;
  /** No run starts within this long of the last successful one. */
  intervalMs: number;
  now?: Date;
}

/** Starts a run; undefined when another is open or one finished less than `intervalMs` ago. */
export async function startRun(q: Queryable, p: StartRunParams): Promise<number | undefined> {
  const { rows } = await q.query<{ id: number }>(startRunSql, [
    p.lockedBy,
    p.leaseMs,
    p.intervalMs,
    p.now ?? null,
  ]);
  return rows[0]?.id;
}

/** What a run has done so far (added to its row by {@linkcode renewRun}). */
export interface RunCounts {
  jobsDeleted: number;
  rawDropped: number;
  rawKept: number;
}

/** Renews the lease of run `id` and adds `counts`; false when the run was closed meanwhile. */
export async function renewRun(
  q: Queryable,
  run: { id: number; lockedBy: string; leaseMs: number },
  counts: RunCounts,
): Promise<boolean> {
  const { count } = await q.query(renewRunSql, [
    run.id,
    run.lockedBy,
    run.leaseMs,
    counts.jobsDeleted,
    counts.rawDropped,
    counts.rawKept,
  ]);
  return count === 1;
}

/** Ends run `id`, with the error that stopped it. */
export async function finishRun(
  q: Queryable,
  run: { id: number; lockedBy: string },
  error: string | null,
): Promise<void> {
  await q.query(finishRunSql, [run.id, run.lockedBy, error]);
}

/** A retention run as `status` shows it. */
export interface RetentionRunRow {
  id: number;
  locked_by: string;
  started_at: Date;
  finished_at: Date | null;
  jobs_deleted: number;
  raw_dropped: number;
  raw_kept: number;
  error: string | null;
}

/** The most recent run, if any. */
export async function lastRun(q: Queryable): Promise<RetentionRunRow | undefined> {
  return (await q.query<RetentionRunRow>(lastRunSql)).rows[0];
}

/** Deletes up to `limit` done jobs finished before `cutoff`; returns how many. */
export async function deleteDoneJobs(q: Queryable, cutoff: Date, limit: number): Promise<number> {
  return (await q.query(deleteDoneJobsSql, [cutoff, limit])).count;
}

/** A raw message whose bytes may be dropped once its original is found. */
export interface DroppableRaw {
  id: number;
  location: string;
  size_bytes: number;
  /** Exact (microseconds), as text: the keyset of the next batch. */
  received_at: string;
}

/** The next `limit` droppable raw messages after `after` (keyset), received and processed before `cutoff`. */
export async function listDroppableRaw(
  q: Queryable,
  cutoff: Date,
  options: { after?: { receivedAt: string; id: number }; limit: number },
): Promise<DroppableRaw[]> {
  const { rows } = await q.query<DroppableRaw>(listDroppableRawSql, [
    cutoff,
    options.after?.receivedAt ?? null,
    options.after?.id ?? 0,
    options.limit,
  ]);
  return rows;
}

/** Drops the raw bytes of `raws` (each only while its location is unchanged); returns the ids dropped. */
export async function dropRaw(q: Queryable, raws: { id: number; location: string }[]): Promise<number[]> {
  const { rows } = await q.query<{ id: number }>(dropRawSql, [
    raws.map((r) => r.id),
    raws.map((r) => r.location),
  ]);
  return rows.map((r) => r.id);
}

/** One table's size on disk (with indexes and TOAST). */
export interface TableSize {
  table_name: string;
  bytes: number;
  rows_estimate: number;
}

/** Sizes of the schema's tables, largest first. */
export async function tableSizes(q: Queryable): Promise<TableSize[]> {
  return (await q.query<TableSize>(tableSizesSql)).rows;
}
