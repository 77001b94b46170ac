/** Retention (issue 18): done jobs deleted after the window, failed kept, raw bytes dropped only where kept. */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Queryable } from "../src/db/client.ts";
import { lastRun } from "../src/db/retention.ts";
import { originalCheck, type S3Head } from "../src/retention/originals.ts";
import { runRetention } from "../src/retention/retention.ts";
import { s3Head } from "../src/retention/s3_head.ts";
import { testDb } from "./helpers/db.ts";
import { testS3 } from "./helpers/s3.ts";
import { Client, consoleFixture, question } from "./helpers/console.ts";
import { formatStatus, readStatus } from "../src/cli/status.ts";

const DAY = 86_400_000;
const noS3 = () => Promise.reject(new Error("no S3 in this test"));

/** A processed email received and processed `ageDays` ago, its raw bytes stored, kept at `location`. */
async function processedEmail(
  q: Queryable,
  options: { ageDays: number; location: string | null; raw?: string; processed?: boolean },
): Promise<number> {
  const raw = options.raw ?? "Subject: hi\r\n\r\nhello\r\n";
  const { rows } = await q.query<{ id: number }>(
    `WITH r AS (
       INSERT INTO raw_messages (source_key, source, location, sha256, size_bytes, raw, received_at, content_key)
       VALUES (gen_random_uuid()::text, 'folder', $1, 'x', octet_length($2::text), convert_to($2::text, 'UTF8'),
               now() - $3 * interval '1 day', gen_random_uuid()::text)
       RETURNING id, received_at)
     INSERT INTO emails (message_id, sender, raw_id, size_bytes, content_key, received_at, processed,
                         processed_at, disposition)
     SELECT gen_random_uuid()::text, 'a@example.com', r.id, 10, gen_random_uuid()::text, r.received_at, $4,
            CASE WHEN $4 THEN r.received_at END, CASE WHEN $4 THEN 'answered' ELSE 'pending' END
     FROM r
     RETURNING raw_id AS id`,
    [options.location, raw, options.ageDays, options.processed ?? true],
  );
  return rows[0].id;
}

async function rawState(q: Queryable, id: number): Promise<{ stored: boolean; dropped: boolean }> {
  const { rows } = await q.query<{ stored: boolean; dropped: boolean }>(
    "SELECT raw IS NOT NULL AS stored, raw_dropped_at IS NOT NULL AS dropped FROM raw_messages WHERE id = $1",
    [id],
  );
  return rows[0];
}

Deno.test("done jobs older than the window are deleted in batches; failed and recent ones stay", async () => {
  await using t = await testDb();
  await t.db.query(
    `INSERT INTO jobs (kind, state, finished_at, last_error)
     SELECT 'parse', s, now() - d * interval '1 day', CASE WHEN s = 'failed' THEN 'boom' END
     FROM (VALUES ('done', 20), ('done', 1), ('failed', 20)) AS v(s, d), generate_series(1, 25)`,
  );
  const result = await runRetention(t.db, {
    workerId: "w1",
    jobsMs: 14 * DAY,
    rawMs: undefined,
    originals: originalCheck(noS3),
    batchSize: 10,
  });
  assert.deepEqual(result, { ran: true, jobsDeleted: 25, rawDropped: 0, rawKept: 0 });
  const { rows } = await t.db.query<{ state: string; n: number }>(
    "SELECT state, count(*)::int AS n FROM jobs GROUP BY state ORDER BY state",
  );
  assert.deepEqual(rows, [{ state: "done", n: 25 }, { state: "failed", n: 25 }]);
  const run = await lastRun(t.db);
  assert.equal(run?.jobs_deleted, 25);
  assert.ok(run?.finished_at instanceof Date);
  assert.equal(run?.error, null);
});

Deno.test("raw bytes are dropped only where the original is still in the processed folder", async () => {
  await using t = await testDb();
  const dir = await Deno.makeTempDir();
  try {
    const raw = "Subject: kept\r\n\r\nbody\r\n";
    const kept = join(dir, "kept.eml");
    await Deno.writeTextFile(kept, raw);
    const changed = join(dir, "changed.eml");
    await Deno.writeTextFile(changed, raw + "more");
    const withOriginal = await processedEmail(t.db, { ageDays: 100, location: kept, raw });
    const missing = await processedEmail(t.db, { ageDays: 100, location: join(dir, "gone.eml"), raw });
    const otherSize = await processedEmail(t.db, { ageDays: 100, location: changed, raw });
    const noLocation = await processedEmail(t.db, { ageDays: 100, location: null, raw });
    const recent = await processedEmail(t.db, { ageDays: 10, location: kept, raw });
    const unprocessed = await processedEmail(t.db, { ageDays: 100, location: kept, raw, processed: false });

    const result = await runRetention(t.db, {
      workerId: "w1",
      jobsMs: 14 * DAY,
      rawMs: 90 * DAY,
      originals: originalCheck(noS3),
      batchSize: 2,
    });
    assert.deepEqual(result, { ran: true, jobsDeleted: 0, rawDropped: 1, rawKept: 2 });
    assert.deepEqual(await rawState(t.db, withOriginal), { stored: false, dropped: true });
    for (const id of [missing, otherSize, noLocation, recent, unprocessed]) {
      assert.deepEqual(await rawState(t.db, id), { stored: true, dropped: false }, `raw ${id}`);
    }
    // The email and its row stay; only the bytes went.
    const { rows } = await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM emails");
    assert.equal(rows[0].n, 6);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("raw bytes are dropped only where the original is still under the S3 processed prefix", async () => {
  await using t = await testDb();
  await using s3 = await testS3();
  const raw = "Subject: s3\r\n\r\nbody\r\n";
  await s3.put("processed/a", new TextEncoder().encode(raw));
  const present = await processedEmail(t.db, {
    ageDays: 100,
    location: `s3://${s3.bucket}/processed/a`,
    raw,
  });
  const absent = await processedEmail(t.db, { ageDays: 100, location: `s3://${s3.bucket}/processed/b`, raw });
  let heads = 0;
  const head = s3Head(s3.client);
  const counted: S3Head = (bucket, key) => (heads++, head(bucket, key));
  const result = await runRetention(t.db, {
    workerId: "w1",
    jobsMs: 14 * DAY,
    rawMs: 90 * DAY,
    originals: originalCheck(() => Promise.resolve(counted)),
  });
  assert.deepEqual(result, { ran: true, jobsDeleted: 0, rawDropped: 1, rawKept: 1 });
  assert.equal(heads, 2);
  assert.deepEqual(await rawState(t.db, present), { stored: false, dropped: true });
  assert.deepEqual(await rawState(t.db, absent), { stored: true, dropped: false });
});

Deno.test("a failing check of an original drops nothing and ends the run with its error", async () => {
  await using t = await testDb();
  const id = await processedEmail(t.db, { ageDays: 100, location: "s3://bucket/processed/x" });
  await assert.rejects(
    runRetention(t.db, {
      workerId: "w1",
      jobsMs: 14 * DAY,
      rawMs: 90 * DAY,
      originals: originalCheck(() => Promise.resolve(() => Promise.reject(new Error("Access Denied")))),
    }),
    /Access Denied/,
  );
  assert.deepEqual(await rawState(t.db, id), { stored: true, dropped: false });
  assert.match((await lastRun(t.db))?.error ?? "", /Access Denied/);
});

Deno.test("one retention run at a time across daemons, and at most one an hour", async () => {
  await using t = await testDb();
  await t.db.query(
    "INSERT INTO jobs (kind, state, finished_at) SELECT 'parse', 'done', now() - interval '30 days' FROM generate_series(1, 3000)",
  );
  // A check that holds the first run open until the second daemon has tried.
  let release!: () => void;
  const held = new Promise<void>((resolve) => release = resolve);
  await processedEmail(t.db, { ageDays: 100, location: "/nonexistent/x.eml" });
  const options = { jobsMs: 14 * DAY, rawMs: 90 * DAY, batchSize: 1000 };
  const first = runRetention(t.db, {
    ...options,
    workerId: "daemon-a",
    originals: async () => (await held, false),
  });
  // Wait until the first run is open (its row exists), then a second daemon tries.
  for (let i = 0; i < 200 && (await lastRun(t.db)) === undefined; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  const second = await runRetention(t.db, {
    ...options,
    workerId: "daemon-b",
    originals: () => Promise.resolve(true),
  });
  assert.equal(second.ran, false);
  release();
  assert.deepEqual(await first, { ran: true, jobsDeleted: 3000, rawDropped: 0, rawKept: 1 });
  // Finished less than an hour ago: not again yet.
  const third = await runRetention(t.db, {
    ...options,
    workerId: "daemon-b",
    originals: () => Promise.resolve(true),
  });
  assert.equal(third.ran, false);
  // A run whose daemon died (lease expired) is closed, and the next may start.
  await t.db.query("UPDATE retention_runs SET finished_at = now() - interval '2 hours'");
  await t.db.query(
    "INSERT INTO retention_runs (locked_by, locked_until) VALUES ('dead', now() - interval '1 minute')",
  );
  const fourth = await runRetention(t.db, {
    ...options,
    workerId: "daemon-b",
    originals: () => Promise.resolve(true),
  });
  assert.deepEqual(fourth, { ran: true, jobsDeleted: 0, rawDropped: 1, rawKept: 0 });
  const { rows } = await t.db.query<{ error: string | null }>(
    "SELECT error FROM retention_runs WHERE locked_by = 'dead'",
  );
  assert.match(rows[0].error ?? "", /lease expired/);
});

Deno.test("after the pipeline, the console says when the raw message was dropped and where the original is", async () => {
  await using f = await consoleFixture({ "q1.eml": question(1) });
  const { rows: [email] } = await f.t.db.query<{ id: number; location: string }>(
    "SELECT e.id, r.location FROM emails e JOIN raw_messages r ON r.id = e.raw_id",
  );
  assert.ok((await Deno.stat(email.location)).isFile, "the folder source kept the original");
  const result = await runRetention(f.t.db, {
    workerId: "w1",
    jobsMs: 14 * DAY,
    rawMs: 90 * DAY,
    originals: originalCheck(noS3),
    now: new Date(Date.now() + 100 * DAY),
  });
  assert.equal(result.rawDropped, 1);
  assert.ok(result.jobsDeleted >= 3, `the email's parse, classify and route jobs (${result.jobsDeleted})`);
  const c = new Client(f.base);
  await c.login();
  const today = new Date().toISOString().slice(0, 10);
  const note =
    `The raw message was dropped on ${today} (RETENTION_RAW); the original is at ${email.location}.`;
  const page = await c.page(`/emails/${email.id}`);
  assert.ok(page.html.includes(note), page.html);
  const raw = await c.get(`/emails/${email.id}/raw`);
  assert.equal(raw.status, 404);
  assert.equal(await raw.text(), note + "\n");
  // status: each table's size, and the last run.
  const status = await readStatus(f.t.db);
  assert.ok(
    status.table_bytes.raw_messages > 0 && status.table_bytes.emails > 0 && status.table_bytes.jobs > 0,
  );
  assert.equal(status.retention_last_run?.raw_dropped, 1);
  assert.match(formatStatus(status), /^storage .*emails \d+ kB/m);
  assert.match(
    formatStatus(status),
    /^retention +last run .*: \d+ done jobs deleted, 1 raw messages dropped/m,
  );
});
