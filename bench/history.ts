/**
 * History (issue 18): does a year of mail slow the daemon down? `--history N` builds N processed emails of
 * history by SQL in a fresh schema (emails, small raw messages, one delivered reply each, the reply windows of
 * their senders, and the done jobs of the last 14 days: RETENTION_JOBS), then measures in it and in an empty
 * schema, in the same run: end to end (bench/pipeline.ts, 200 ms fake LLM, concurrency 32) and claim+complete
 * of no-op jobs (the Worker as bench/queue.ts runs it, concurrency 16). Ratios: with history over empty.
 */
import { connectPostgres, type Db } from "../src/db/client.ts";
import { migrate } from "../src/db/migrate.ts";
import { Worker } from "../src/jobs/worker.ts";
import { benchE2e } from "./pipeline.ts";
import type { Schemas } from "./schemas.ts";

/** What {@linkcode benchHistory} measured. */
export interface HistoryResult {
  emails: number;
  /** End-to-end msgs/s with history over without. */
  e2e_ratio: number;
  /** claim+complete jobs/s with history over without (medians). */
  queue_ratio: number;
  build_seconds: number;
  /** End-to-end msgs/s of the first and the second run in each schema. */
  e2e_empty_msgs_per_s: number[];
  e2e_history_msgs_per_s: number[];
  queue_empty_runs: number[];
  queue_history_runs: number[];
  /** Bytes on disk per history email, by table (with indexes and TOAST). */
  bytes_per_email: Record<string, number>;
}

/** Options of {@linkcode benchHistory}. */
export interface HistoryOptions {
  url: string;
  schemas: Schemas;
  emails: number;
  latencyMs: number;
  concurrency: number;
  e2eSeconds: number;
  queueJobs: number;
  queueConcurrency: number;
  queueRepeats: number;
  progress: (line: string) => void;
}

/** Messages a day of the history: 10,000, the company; the history spans emails / 10,000 days. */
const PER_DAY = 10_000;
/** Done jobs are kept this long (RETENTION_JOBS' default): only the last 14 days of history have them. */
const JOBS_DAYS = 14;

/** Builds the history, then measures with and without it. */
export async function benchHistory(o: HistoryOptions): Promise<HistoryResult> {
  const historySchema = await o.schemas.create(`history_${o.emails}`);
  const emptySchema = await o.schemas.create("history_empty");
  const started = performance.now();
  const bytesPerEmail = await withDb(o.url, historySchema, async (db) => {
    await buildHistory(db, o.emails, o.progress);
    return await bytesPerRow(db, o.emails);
  });
  const buildSeconds = Math.round((performance.now() - started) / 100) / 10;
  o.progress(`history: ${o.emails} emails built in ${buildSeconds} s`);

  const e2e = (schema: string) =>
    benchE2e({
      url: o.url,
      schemas: o.schemas,
      schema,
      latencies: [o.latencyMs],
      concurrencies: [o.concurrency],
      seconds: o.e2eSeconds,
      zeroLatencyMessages: 40,
      progress: o.progress,
    });
  // ABBA: neither side always first.
  const [emptyA] = await e2e(emptySchema);
  const [historyA] = await e2e(historySchema);
  const [historyB] = await e2e(historySchema);
  const [emptyB] = await e2e(emptySchema);
  // The second run in a schema finds its senders' reply windows taken (fewer replies sent): compared pairwise,
  // first runs with first runs.
  const e2eRatio = (historyA.msgs_per_s + historyB.msgs_per_s) / (emptyA.msgs_per_s + emptyB.msgs_per_s);

  const queueEmpty: number[] = [];
  const queueHistory: number[] = [];
  for (let r = 0; r < o.queueRepeats; r++) {
    const pair = [
      () => queueRun(o, emptySchema).then((x) => queueEmpty.push(x)),
      () => queueRun(o, historySchema).then((x) => queueHistory.push(x)),
    ];
    if (r % 2 === 1) pair.reverse();
    for (const run of pair) await run();
  }
  const result: HistoryResult = {
    emails: o.emails,
    e2e_ratio: round2(e2eRatio),
    queue_ratio: round2(median(queueHistory) / median(queueEmpty)),
    build_seconds: buildSeconds,
    e2e_empty_msgs_per_s: [emptyA.msgs_per_s, emptyB.msgs_per_s],
    e2e_history_msgs_per_s: [historyA.msgs_per_s, historyB.msgs_per_s],
    queue_empty_runs: queueEmpty.map(Math.round),
    queue_history_runs: queueHistory.map(Math.round),
    bytes_per_email: bytesPerEmail,
  };
  o.progress(
    `history ${o.emails}: e2e ${result.e2e_history_msgs_per_s.join("/")} vs ${
      result.e2e_empty_msgs_per_s.join("/")
    } msgs/s (${result.e2e_ratio}), ` +
      `queue ${result.queue_history_runs.join("/")} vs ${result.queue_empty_runs.join("/")} jobs/s ` +
      `(${result.queue_ratio})`,
  );
  return result;
}

/**
 * N processed emails, oldest first, PER_DAY a day up to now: ~150 senders a day writing back within the
 * conversation window, 1,000 subjects; each with a small raw message kept at a processed-folder location, a
 * delivered reply with its Message-ID, its sender's reply window, and (last JOBS_DAYS days) its four done jobs.
 */
export async function buildHistory(db: Db, emails: number, progress: (line: string) => void): Promise<void> {
  const step = async (what: string, sql: string) => {
    const t = performance.now();
    await db.exec(sql);
    progress(`history: ${what} in ${Math.round(performance.now() - t)} ms`);
  };
  const n = Math.floor(emails);
  const at = (i: string) => `now() - interval '1 hour' - (${n} - ${i}) * (interval '1 day' / ${PER_DAY})`;
  await step(
    "raw_messages",
    `INSERT INTO raw_messages (source_key, source, location, sha256, size_bytes, raw, received_at, content_key)
     SELECT 'history:' || i, 'folder', '/var/mail/processed/history-' || i || '.eml', md5(i::text), 240,
            convert_to('From: customer' || (i % 100000) || '@example.com' || E'\\r\\nSubject: Question ' ||
                       (i % 1000) || E'\\r\\n\\r\\nHello, how much does the team plan cost per month? ' ||
                       repeat('x', 120) || E'\\r\\n', 'UTF8'),
            ${at("i")}, 'history:' || i
     FROM generate_series(1, ${n}) AS i`,
  );
  await step(
    "emails",
    `INSERT INTO emails (id, conversation_id, message_id, sender, subject, body, received_at, intent_flags,
                         processed, raw_id,
                         size_bytes, content_key, sender_name, recipients, headers, classified_at, automated,
                         auto_reply_ok, classifier, classifier_model, classifier_latency_ms, routed_at,
                         processed_at, disposition, disposition_reason)
     SELECT k.id, k.id, '<history-' || i || '@example.com>', 'customer' || (i % 100000) || '@example.com',
            'Question ' || (i % 1000), 'Hello, how much does the team plan cost per month? ' || repeat('x', 120),
            r.received_at, '[true, false, false, false, false]', true, r.id, 240, r.content_key,
            'Customer ' || (i % 100000), '["hello@frflashy.com"]', '{"date": "x"}', r.received_at, false,
            true, 'llm', 'gpt-4o-mini', 200, r.received_at, r.received_at, 'answered',
            'replied: send_info_reply'
     -- Each starts its own conversation (conversation_id = id, as link_conversation leaves it).
     FROM raw_messages r,
          LATERAL (SELECT substr(r.source_key, 9)::int AS i, nextval('emails_id_seq')::int AS id) AS k
     WHERE r.source_key LIKE 'history:%'`,
  );
  await step(
    "effects",
    `INSERT INTO effects (email_id, kind, purpose, idempotency_key, payload, state, attempts, created_at,
                          updated_at, delivered_at, message_id)
     SELECT e.id, 'reply', 'send_info_reply', 'email:' || e.id || ':send_info_reply',
            jsonb_build_object('to', e.sender, 'subject', 'Re: ' || e.subject, 'message_id',
                               '<reply-' || e.id || '@frflashy.com>'),
            'delivered', 1, e.received_at, e.received_at, e.received_at, '<reply-' || e.id || '@frflashy.com>'
     FROM emails e WHERE e.content_key LIKE 'history:%'`,
  );
  await step(
    "reply_windows",
    `INSERT INTO reply_windows (recipient, last_reply_at, email_id)
     SELECT DISTINCT ON (sender) sender, received_at, id FROM emails
     WHERE content_key LIKE 'history:%' ORDER BY sender, id DESC
     ON CONFLICT DO NOTHING`,
  );
  await step(
    "done jobs",
    `INSERT INTO jobs (kind, unique_key, payload, state, attempts, run_at, created_at, updated_at, finished_at)
     SELECT k.kind, k.kind || CASE WHEN k.kind = 'parse' THEN ':raw:' || e.raw_id ELSE ':email:' || e.id END,
            jsonb_build_object('email_id', e.id), 'done', 1, e.received_at, e.received_at, e.received_at,
            e.received_at
     FROM emails e, (VALUES ('parse'), ('classify'), ('route'), ('deliver')) AS k(kind)
     WHERE e.content_key LIKE 'history:%' AND e.received_at > now() - interval '${JOBS_DAYS} days'`,
  );
  await step("analyze", "ANALYZE emails, raw_messages, effects, jobs, reply_windows");
}

/** Bytes on disk per email, by table (with its indexes and TOAST), after building `emails` of history. */
async function bytesPerRow(db: Db, emails: number): Promise<Record<string, number>> {
  const { rows } = await db.query<{ name: string; bytes: number }>(
    `SELECT c.relname AS name, pg_total_relation_size(c.oid)::bigint AS bytes FROM pg_class c
     WHERE c.relkind = 'r' AND c.relnamespace = current_schema()::regnamespace
       AND c.relname IN ('emails', 'raw_messages', 'effects', 'jobs', 'reply_windows')`,
  );
  return Object.fromEntries(rows.map((r) => [r.name, Math.round(r.bytes / emails)]));
}

/** One claim+complete run of `queueJobs` no-op jobs in `schema`, as bench/queue.ts's oursPoint; jobs/s. */
async function queueRun(o: HistoryOptions, schema: string): Promise<number> {
  const db = connectPostgres(o.url, {
    schema,
    max: Math.min(o.queueConcurrency + 4, 40),
    applicationName: "bench",
  });
  try {
    await migrate(db);
    await db.query(
      `INSERT INTO jobs (kind, payload, max_attempts)
       SELECT 'noop', jsonb_build_object('i', i), 5 FROM generate_series(0, $1 - 1) i`,
      [o.queueJobs],
    );
    const worker = new Worker(db, { noop: () => Promise.resolve() }, {
      workerId: `bench-history-${o.queueConcurrency}`,
      concurrency: o.queueConcurrency,
      pools: [{ concurrency: o.queueConcurrency, prefetch: 500 }],
      leaseMs: 60_000,
      pollMs: 1_000,
    });
    const t = performance.now();
    await worker.drain();
    const rate = (o.queueJobs * 1000) / (performance.now() - t);
    if (worker.counts.done !== o.queueJobs) {
      throw new Error(`History queue run finished ${worker.counts.done} of ${o.queueJobs} jobs`);
    }
    // The next run starts from the same table: these jobs go, as retention would delete them.
    await db.query("DELETE FROM jobs WHERE kind = 'noop'");
    return rate;
  } finally {
    await db.close();
  }
}

async function withDb<T>(url: string, schema: string, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = connectPostgres(url, { schema, max: 2, applicationName: "bench" });
  try {
    await migrate(db);
    return await fn(db);
  } finally {
    await db.close();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
