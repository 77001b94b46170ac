/** Typed wrappers of `sql/queries/status/*.sql`. */
import type { Queryable } from "./client.ts";
import countEmailsSql from "../../sql/queries/status/count_emails.sql" with { type: "text" };
import countDispositionsSql from "../../sql/queries/status/count_dispositions.sql" with { type: "text" };
import countJobsSql from "../../sql/queries/status/count_jobs.sql" with { type: "text" };
import listFailedJobsSql from "../../sql/queries/status/list_failed_jobs.sql" with { type: "text" };
import type { JobState } from "./jobs.ts";

/** Email totals. */
export interface EmailCounts {
  total: number;
  processed: number;
  with_parse_error: number;
  deliveries: number;
  deliveries_not_emails: number;
}

/** Counts emails and deliveries. */
export async function countEmails(q: Queryable): Promise<EmailCounts> {
  return (await q.query<EmailCounts>(countEmailsSql)).rows[0];
}

/** Jobs of one kind in one state. */
export interface JobCount {
  kind: string;
  state: JobState;
  count: number;
  oldest_runnable_s: number | null;
}

/** Counts jobs by kind and state. */
export async function countJobs(q: Queryable): Promise<JobCount[]> {
  return (await q.query<JobCount>(countJobsSql)).rows;
}

/** A failed job. */
export interface FailedJob {
  id: number;
  kind: string;
  payload: Record<string, unknown>;
  attempts: number;
  last_error: string | null;
  updated_at: Date;
}

/** The most recent failed jobs. */
export async function listFailedJobs(q: Queryable, limit: number): Promise<FailedJob[]> {
  return (await q.query<FailedJob>(listFailedJobsSql, [limit])).rows;
}

/** The dispositions an email can have: how it ended, or `pending` while it has not. */
export const DISPOSITIONS = ["answered", "with_person", "filtered", "pending"] as const;
export type Disposition = typeof DISPOSITIONS[number];

/** Emails of one disposition. */
export interface DispositionCount {
  disposition: Disposition;
  count: number;
  /** Seconds since the oldest pending email was received (0 for the others). */
  oldest_pending_s: number;
}

/** Counts emails by disposition. */
export async function countDispositions(q: Queryable): Promise<DispositionCount[]> {
  return (await q.query<DispositionCount>(countDispositionsSql)).rows;
}
