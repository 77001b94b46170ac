import assert from "node:assert/strict";
import { join } from "node:path";
import { connectPostgres } from "../src/db/client.ts";
import { copyEml, runCli } from "./helpers/cli.ts";
import { CORPUS_DIR, corpusFiles } from "./helpers/corpus.ts";
import { startDaemon, writeCopies } from "./helpers/daemon.ts";
import { TEST_DATABASE_URL, testDb } from "./helpers/db.ts";
import { count } from "./helpers/ingest.ts";

const fast = { POLL_INTERVAL: "100ms", JOB_LEASE: "1s", WORKER_CONCURRENCY: "4", SHUTDOWN_TIMEOUT: "5s" };

Deno.test("run --once with no DATABASE_URL ingests a folder into the embedded database", async () => {
  const home = await Deno.makeTempDir();
  const names = corpusFiles().slice(0, 12);
  await copyEml(CORPUS_DIR, join(home, "inbox"), names);
  const env = { DATA_DIR: join(home, "data"), INBOX_DIR: join(home, "inbox") };
  const run = await runCli(["run", "--once"], env);
  assert.equal(run.code, 0, run.stderr);
  const status = await runCli(["status", "--json"], env);
  assert.equal(status.code, 0, status.stderr);
  const s = JSON.parse(status.stdout);
  assert.equal(s.emails_total, 12);
  assert.equal(s.emails_processed, 12, "classified, routed and its effects written to the outbox");
  const ended = s.emails_by_disposition;
  assert.equal(ended.answered + ended.with_person + ended.filtered, 12, JSON.stringify(ended));
  assert.equal(ended.pending, 0);
  assert.equal(s.jobs_pending, 0);
  assert.equal(s.jobs_failed, 0);
  assert.equal(corpusFiles(join(home, "inbox", "processed")).length, 12);
  await Deno.remove(home, { recursive: true });
});

Deno.test("SIGKILL in the middle of ingesting, then a restart: every message stored once, none lost", async () => {
  await using t = await testDb();
  const inbox = await Deno.makeTempDir();
  const total = await writeCopies(CORPUS_DIR, inbox, 3);
  const env = { ...t.env, ...fast, INBOX_DIR: inbox };

  const first = startDaemon(env);
  await first.waitFor(/^Stored email/, 40);
  first.child.kill("SIGKILL");
  await first.exited;
  // JSON lines with job and email ids as context, and no sender addresses (redacted).
  const logged = first.lines.filter((l) => l["@timestamp"]);
  assert.ok(logged.length >= 40);
  assert.ok(logged.some((l) => (l.properties as Record<string, unknown>)?.emailId !== undefined));
  assert.ok(logged.some((l) => (l.properties as Record<string, unknown>)?.jobId !== undefined));
  const addresses = logged.map((l) => JSON.stringify(l)).filter((l) => /[\w.+-]+@[\w-]+\.[\w.-]+/.test(l));
  assert.deepEqual(addresses, [], "no e-mail address in the logs");
  const storedBefore = await count(t.db, "emails");
  assert.ok(storedBefore < total, `killed mid-run (${storedBefore} of ${total} stored)`);

  // Jobs the dead process held come back when their 1 s lease expires.
  await new Promise((r) => setTimeout(r, 1500));
  const second = await runCli(["run", "--once"], env);
  assert.equal(second.code, 0, second.stderr);

  assert.equal(await count(t.db, "raw_messages"), total);
  assert.equal(await count(t.db, "emails"), total);
  assert.equal(await count(t.db, "jobs", "kind = 'parse'"), total, "one parse job per delivery");
  assert.equal(await count(t.db, "jobs", "kind = 'classify'"), total, "one classify job per email");
  assert.equal(await count(t.db, "jobs", "state <> 'done'"), 0);
  assert.deepEqual(corpusFiles(inbox), [], "nothing left behind in the inbox");
  assert.equal(corpusFiles(join(inbox, "processed")).length, total, "no file lost");
});

Deno.test("three daemon processes on one database and one folder never handle a message twice", async () => {
  await using t = await testDb();
  const inbox = await Deno.makeTempDir();
  const total = await writeCopies(CORPUS_DIR, inbox, 2);
  const env = { ...t.env, ...fast, INBOX_DIR: inbox };
  const runs = await Promise.all([1, 2, 3].map(() => runCli(["run", "--once"], env)));
  for (const r of runs) assert.equal(r.code, 0, r.stderr);
  assert.equal(await count(t.db, "emails"), total);
  assert.equal(await count(t.db, "raw_messages"), total);
  // A job claimed twice would show two attempts.
  for (const kind of ["parse", "classify", "route"]) {
    assert.equal(await count(t.db, "jobs", `kind = '${kind}'`), total, `one ${kind} job per message`);
  }
  assert.equal(
    await count(t.db, "jobs", "state <> 'done' OR attempts <> 1"),
    0,
    "every job ran exactly once",
  );
  const { rows: doubled } = await t.db.query(
    "SELECT email_id, purpose FROM effects GROUP BY 1, 2 HAVING count(*) > 1",
  );
  assert.deepEqual(doubled, [], "no effect twice");
  const { rows } = await t.db.query<{ workers: number }>(
    "SELECT count(DISTINCT split_part(payload::text, ':', 1))::int AS workers FROM jobs",
  );
  assert.ok(rows[0].workers >= 1);
  assert.equal(corpusFiles(join(inbox, "processed")).length, total);
});

Deno.test("SIGTERM stops the daemon cleanly with exit code 0", async () => {
  await using t = await testDb();
  const inbox = await Deno.makeTempDir();
  await copyEml(CORPUS_DIR, inbox, corpusFiles().slice(0, 5));
  const d = startDaemon({ ...t.env, ...fast, INBOX_DIR: inbox });
  await d.waitFor(/^Stored email/, 5);
  d.child.kill("SIGTERM");
  assert.equal(await d.exited, 0);
  assert.ok(d.lines.some((l) => String(l.message).startsWith("Stopped")));
});

Deno.test("the daemon carries on after its database connections are killed", async () => {
  await using t = await testDb();
  const inbox = await Deno.makeTempDir();
  const names = corpusFiles();
  await copyEml(CORPUS_DIR, inbox, names.slice(0, 5));
  const d = startDaemon({ ...t.env, ...fast, INBOX_DIR: inbox });
  await d.waitFor(/^Stored email/, 5);
  const admin = connectPostgres(TEST_DATABASE_URL, { max: 1, applicationName: "ses-daemon-bot-test" });
  const { rows } = await admin.query<{ n: number }>(
    "SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = 'ses-daemon-bot'",
  );
  await admin.close();
  assert.ok(rows[0].n >= 1, "the daemon's connections were terminated");
  await copyEml(CORPUS_DIR, inbox, names.slice(5, 10));
  await d.waitFor(/^Stored email/, 10);
  d.child.kill("SIGTERM");
  assert.equal(await d.exited, 0);
  assert.equal(await count(t.db, "emails"), 10);
});

Deno.test("the CLI answers usage and configuration errors with exit code 2 and what to fix", async () => {
  const unknown = await runCli(["frobnicate"], {});
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /Unknown command "frobnicate"/);
  const badConfig = await runCli(["status"], { WORKER_CONCURRENCY: "0", POLL_INTERVAL: "x" });
  assert.equal(badConfig.code, 2);
  assert.match(badConfig.stderr, /WORKER_CONCURRENCY="0"/);
  assert.match(badConfig.stderr, /POLL_INTERVAL="x"/);
  const requeue = await runCli(["requeue"], {});
  assert.equal(requeue.code, 2);
  assert.match(requeue.stderr, /either --all or job IDs/);
  const flag = await runCli(["status", "--once"], {});
  assert.equal(flag.code, 2);
  for (const cmd of ["run", "migrate", "ingest", "status", "requeue"]) {
    const help = await runCli([cmd, "--help"], {});
    assert.equal(help.code, 0);
    assert.match(help.stdout, new RegExp(`Usage: ses-daemon-bot ${cmd}`));
  }
});

Deno.test("ingest stores files in place, status reports them, requeue revives failed jobs", async () => {
  await using t = await testDb();
  const names = corpusFiles().slice(0, 6).map((f) => join(CORPUS_DIR, f));
  const ingest = await runCli(["ingest", ...names], t.env);
  assert.equal(ingest.code, 0, ingest.stderr);
  assert.match(
    ingest.stdout,
    /ingest: 6 stored, 0 already stored, 0 oversize, 0 errors; jobs: \d+ done, 0 to retry, 0 failed/,
  );
  await t.db.query(
    "INSERT INTO jobs (kind, state, attempts, max_attempts, last_error) VALUES " +
      "('parse', 'failed', 5, 5, 'boom')",
  );
  const status = JSON.parse((await runCli(["status", "--json"], t.env)).stdout);
  assert.equal(status.emails_total, 6);
  assert.equal(status.jobs_failed, 1);
  assert.equal(status.recent_failures[0].last_error, "boom");
  const requeue = await runCli(["requeue", "--all"], t.env);
  assert.equal(requeue.code, 0);
  assert.match(requeue.stdout, /requeued 1 failed job/);
  assert.equal(await count(t.db, "jobs", "state = 'failed'"), 0);
});
