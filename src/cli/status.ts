/** `status`: what is stored and what the queue holds, for a person or (`--json`) for scripts and checks. */
import type { Db } from "../db/client.ts";
import { countEffects } from "../db/effects.ts";
import { countDispositions, countEmails, countJobs, DISPOSITIONS, listFailedJobs } from "../db/status.ts";
import { lastRun, tableSizes } from "../db/retention.ts";

/** The `status --json` object. */
export interface Status {
  emails_total: number;
  emails_processed: number;
  emails_with_parse_error: number;
  /** Emails by how they ended: answered, with_person, filtered, or pending (not yet any of them). */
  emails_by_disposition: Record<string, number>;
  oldest_pending_email_age_s: number | null;
  deliveries_total: number;
  deliveries_not_emails: number;
  jobs_pending: number;
  jobs_running: number;
  jobs_done: number;
  jobs_failed: number;
  oldest_pending_age_s: number | null;
  jobs_by_kind: Record<string, Record<string, number>>;
  /** Effects by state, and by kind then state. */
  effects_by_state: Record<string, number>;
  effects_by_kind: Record<string, Record<string, number>>;
  recent_failures: { id: number; kind: string; attempts: number; last_error: string | null; at: string }[];
  /** Size on disk of each table (with its indexes and TOAST), in bytes, largest first. */
  table_bytes: Record<string, number>;
  /** The last retention run (see RETENTION_JOBS, RETENTION_RAW); null: none yet. */
  retention_last_run: {
    started_at: string;
    finished_at: string | null;
    jobs_deleted: number;
    raw_dropped: number;
    raw_kept: number;
    error: string | null;
  } | null;
}

/** Reads the status from the database. */
export async function readStatus(db: Db): Promise<Status> {
  const [emails, jobs, failures, effects, dispositions] = await Promise.all([
    countEmails(db),
    countJobs(db),
    listFailedJobs(db, 10),
    countEffects(db),
    countDispositions(db),
  ]);
  const [sizes, run] = await Promise.all([tableSizes(db), lastRun(db)]);
  const byDisposition = Object.fromEntries(
    DISPOSITIONS.map((d) => [d, dispositions.find((r) => r.disposition === d)?.count ?? 0]),
  );
  const pendingAge = dispositions.find((r) => r.disposition === "pending")?.oldest_pending_s;
  const effectsByState: Record<string, number> = { pending: 0, delivered: 0, failed: 0, suppressed: 0 };
  const effectsByKind: Record<string, Record<string, number>> = {};
  for (const e of effects) {
    effectsByState[e.state] += e.count;
    (effectsByKind[e.kind] ??= {})[e.state] = e.count;
  }
  const byState = (state: string) => jobs.filter((j) => j.state === state).reduce((n, j) => n + j.count, 0);
  const ages = jobs.map((j) => j.oldest_runnable_s).filter((a): a is number => a !== null);
  const byKind: Record<string, Record<string, number>> = {};
  for (const j of jobs) (byKind[j.kind] ??= {})[j.state] = j.count;
  return {
    emails_total: emails.total,
    emails_processed: emails.processed,
    emails_with_parse_error: emails.with_parse_error,
    emails_by_disposition: byDisposition,
    oldest_pending_email_age_s: pendingAge === undefined ? null : Math.round(pendingAge),
    deliveries_total: emails.deliveries,
    deliveries_not_emails: emails.deliveries_not_emails,
    jobs_pending: byState("pending"),
    jobs_running: byState("running"),
    jobs_done: byState("done"),
    jobs_failed: byState("failed"),
    oldest_pending_age_s: ages.length > 0 ? Math.round(Math.max(...ages)) : null,
    jobs_by_kind: byKind,
    effects_by_state: effectsByState,
    effects_by_kind: effectsByKind,
    recent_failures: failures.map((f) => ({
      id: f.id,
      kind: f.kind,
      attempts: f.attempts,
      last_error: f.last_error,
      at: f.updated_at.toISOString(),
    })),
    table_bytes: Object.fromEntries(sizes.map((t) => [t.table_name, t.bytes])),
    retention_last_run: run === undefined ? null : {
      started_at: run.started_at.toISOString(),
      finished_at: run.finished_at?.toISOString() ?? null,
      jobs_deleted: run.jobs_deleted,
      raw_dropped: run.raw_dropped,
      raw_kept: run.raw_kept,
      error: run.error,
    },
  };
}

/** Formats the status for a terminal. */
export function formatStatus(s: Status): string {
  const lines = [
    `emails      ${s.emails_total} stored, ${s.emails_processed} processed, ${s.emails_with_parse_error} with a parse error`,
    `ended       ${s.emails_by_disposition.answered} answered automatically, ${s.emails_by_disposition.with_person} ` +
    `with a person, ${s.emails_by_disposition.filtered} filtered (automated, spam, virus), ` +
    `${s.emails_by_disposition.pending} pending${
      s.oldest_pending_email_age_s === null ? "" : ` (oldest received ${s.oldest_pending_email_age_s} s ago)`
    }`,
    `deliveries  ${s.deliveries_total} received, ${s.deliveries_not_emails} not an email of their own (duplicate, oversize)`,
    `jobs        ${s.jobs_pending} pending, ${s.jobs_running} running, ${s.jobs_done} done, ${s.jobs_failed} failed`,
    `oldest runnable job waiting: ${
      s.oldest_pending_age_s === null ? "none" : `${s.oldest_pending_age_s} s`
    }`,
  ];
  const out = s.effects_by_state;
  lines.push(
    `outbox      ${out.pending} pending, ${out.delivered} delivered, ${out.failed} failed, ` +
      `${out.suppressed} suppressed (replies withheld by policy)`,
  );
  for (const [kind, states] of Object.entries(s.effects_by_kind)) {
    lines.push(`  ${kind.padEnd(10)} ${Object.entries(states).map(([st, n]) => `${st} ${n}`).join(", ")}`);
  }
  lines.push("jobs by kind:");
  for (const [kind, states] of Object.entries(s.jobs_by_kind)) {
    lines.push(`  ${kind.padEnd(10)} ${Object.entries(states).map(([st, n]) => `${st} ${n}`).join(", ")}`);
  }
  if (s.recent_failures.length > 0) {
    lines.push("recent failures (requeue with: ses-daemon-bot requeue ID… or --all):");
    for (const f of s.recent_failures) {
      lines.push(`  job ${f.id} ${f.kind} after ${f.attempts} attempts at ${f.at}: ${f.last_error ?? ""}`);
    }
  }
  lines.push(
    `storage     ${
      Object.entries(s.table_bytes).filter(([, b]) => b > 0).slice(0, 8).map(([t, b]) =>
        `${t} ${megabytes(b)}`
      )
        .join(", ")
    }`,
  );
  const r = s.retention_last_run;
  lines.push(
    r === null
      ? "retention   no run yet (hourly, by one daemon)"
      : `retention   last run ${r.started_at}: ${r.jobs_deleted} done jobs deleted, ${r.raw_dropped} raw ` +
        `messages dropped, ${r.raw_kept} kept (original not found)${
          r.finished_at === null ? " (running)" : r.error === null ? "" : `; stopped: ${r.error}`
        }`,
  );
  return lines.join("\n");
}

function megabytes(bytes: number): string {
  return bytes < 1024 * 1024 ? `${Math.ceil(bytes / 1024)} kB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
