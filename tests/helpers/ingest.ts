/** Runs the ingest path in-process: poll a source, then drain its jobs with a worker. */
import { jobHandlers } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import type { Db } from "../../src/db/client.ts";
import { Worker } from "../../src/jobs/worker.ts";
import { pollSource, type PollSummary } from "../../src/mail/ingest.ts";
import type { MailSource } from "../../src/mail/source.ts";

/** Ingests everything `source` lists and runs the resulting jobs to the end. */
export async function ingestAll(
  db: Db,
  source: MailSource,
  options: { maxMessageBytes?: number; env?: Record<string, string> } = {},
): Promise<PollSummary> {
  const summary = await pollSource(db, source, {
    maxMessageBytes: options.maxMessageBytes ?? 40 * 1024 * 1024,
    jobMaxAttempts: 3,
    concurrency: 8,
  });
  // Effects go to a fresh outbox folder unless the test names one.
  const env: Record<string, string> = {
    OUTBOX_DIR: await Deno.makeTempDir(),
    SEND_RATE: "1000",
    ...options.env,
  };
  const worker = new Worker(db, await jobHandlers(loadConfig((name) => env[name])), {
    workerId: "test",
    concurrency: 4,
    leaseMs: 30_000,
    pollMs: 50,
  });
  await worker.drain();
  return summary;
}

/** One stored email, with the columns the tests look at. */
export interface EmailRow {
  id: number;
  message_id: string;
  message_id_generated: boolean;
  sender: string;
  subject: string | null;
  body: string | null;
  body_html: boolean;
  intent_flags: boolean[];
  processed: boolean;
  headers: Record<string, string[]>;
  attachments: { filename: string | null; mime_type: string; size: number }[];
  parse_error: string | null;
  size_bytes: number;
  source_key: string;
}

/** Every email, keyed by the file name of its delivery (`location`'s last part). */
export async function emailsByFile(db: Db): Promise<Map<string, EmailRow>> {
  const { rows } = await db.query<EmailRow & { location: string | null }>(
    `SELECT e.*, r.source_key, r.location FROM emails e JOIN raw_messages r ON r.id = e.raw_id`,
  );
  return new Map(rows.map((r) => [(r.location ?? r.source_key).split("/").pop()!, r]));
}

/** Counts rows of a table. */
export async function count(
  db: Db,
  table: "emails" | "raw_messages" | "jobs" | "raw_uploads",
  where = "true",
): Promise<number> {
  return (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`)).rows[0].n;
}
