import assert from "node:assert/strict";
import { join } from "node:path";
import { sqsSource, type SqsSourceOptions } from "../src/mail/sqs_source.ts";
import { createSqsClient } from "../src/mail/sqs_source.ts";
import type { Db } from "../src/db/client.ts";
import { pollSource, type PollSummary } from "../src/mail/ingest.ts";
import type { MailSource } from "../src/mail/source.ts";
import { CORPUS_DIR, corpusFiles } from "./helpers/corpus.ts";
import { startDaemon } from "./helpers/daemon.ts";
import { testDb } from "./helpers/db.ts";
import { fakeSqs, sesNotification } from "./helpers/fake_sqs.ts";
import { count, ingestAll } from "./helpers/ingest.ts";
import { testS3 } from "./helpers/s3.ts";

const credentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

function source(
  s3: { endpoint: string; client: import("@aws-sdk/client-s3").S3Client },
  sqs: { endpoint: string; queueUrl: string },
  over: Partial<SqsSourceOptions> = {},
) {
  const options: SqsSourceOptions = {
    queueUrl: sqs.queueUrl,
    region: "us-east-1",
    sqsEndpoint: sqs.endpoint,
    s3Endpoint: s3.endpoint,
    sesPrefix: "inbound/",
    processedPrefix: "processed/",
    afterIngest: "move",
    badMessages: "delete",
    waitSeconds: 1,
    credentials,
    ...over,
  };
  const client = createSqsClient(options);
  return { source: sqsSource(options, { sqs: client, s3: s3.client }), client };
}

/** Reads the queue until a long poll comes back empty, then runs every job. */
async function drainQueue(db: Db, src: MailSource): Promise<PollSummary> {
  const total: PollSummary = { stored: 0, known: 0, oversize: 0, rejected: 0, errors: 0 };
  for (;;) {
    const s = await pollSource(db, src, { maxMessageBytes: 1e8, jobMaxAttempts: 3, concurrency: 4 });
    for (const k of Object.keys(total) as (keyof PollSummary)[]) total[k] += s[k];
    if (s.stored + s.known + s.rejected + s.errors === 0) break;
  }
  // Run the stages with an empty folder source (nothing more to ingest).
  await ingestAll(db, { ...src, list: async function* () {} });
  return total;
}

Deno.test("SQS notifications bring each object in once, with its verdicts, and are deleted after the commit", async () => {
  await using t = await testDb();
  await using s3 = await testS3();
  await using sqs = fakeSqs();
  const files = corpusFiles().slice(0, 12);
  for (const [i, f] of files.entries()) {
    const key = `inbound/${crypto.randomUUID().replaceAll("-", "")}`;
    await s3.put(key, await Deno.readFile(join(CORPUS_DIR, f)));
    const notification = sesNotification(s3.bucket, key, { raw: i === 0, spam: i === 1 ? "FAIL" : "PASS" });
    sqs.send(notification);
    // Duplicated notifications (SQS delivers at least once).
    if (i < 3) sqs.send(notification);
  }
  const { source: src, client } = source(s3, sqs);
  try {
    const summary = await drainQueue(t.db, src);
    assert.equal(summary.stored, 12);
    // Copies in one batch are one item (src/mail/sqs_source.ts); a copy in a later batch is found known.
    assert.equal(summary.known, 0);
    assert.equal(summary.errors, 0);
  } finally {
    client.destroy();
  }
  assert.equal(await count(t.db, "emails"), 12);
  assert.deepEqual(sqs.remaining(), [], "every message deleted");
  assert.deepEqual(await s3.keys("inbound/"), [], "objects moved out of the prefix");
  assert.equal((await s3.keys("processed/")).length, 12);
  const { rows } = await t.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM raw_messages WHERE verdicts->>'spam' = 'FAIL'",
  );
  assert.equal(rows[0].n, 1, "the notification's verdicts are stored");
  const spam = await t.db.query<{ auto_reply_ok: boolean; rule_reasons: string[] }>(
    "SELECT e.auto_reply_ok, e.rule_reasons FROM emails e JOIN raw_messages r ON r.id = e.raw_id WHERE r.verdicts->>'spam' = 'FAIL'",
  );
  assert.equal(spam.rows[0].auto_reply_ok, false, "the rules use the notification's verdicts");
});

Deno.test("a bad message and a missing object are recorded with the reason and deleted", async () => {
  await using t = await testDb();
  await using s3 = await testS3();
  await using sqs = fakeSqs();
  sqs.send("this is not JSON");
  sqs.send(JSON.stringify({ notificationType: "Bounce" }));
  sqs.send(sesNotification(s3.bucket, "inbound/never-written"));
  const { source: src, client } = source(s3, sqs);
  try {
    assert.equal((await drainQueue(t.db, src)).rejected, 3);
  } finally {
    client.destroy();
  }
  assert.deepEqual(sqs.remaining(), []);
  const { rows } = await t.db.query<{ reason: string; body: string | null }>(
    "SELECT reason, body FROM source_errors ORDER BY id",
  );
  assert.equal(rows.length, 3);
  const notJson = rows.find((r) => /not JSON/.test(r.reason));
  assert.equal(notJson?.body, "this is not JSON", "the notification is kept for a person");
  assert.ok(rows.some((r) => /does not exist/.test(r.reason)), "the missing object is named");
  assert.ok(rows.some((r) => /Bounce|Received/.test(r.reason)), "a notification of another type is named");
});

Deno.test("with SQS_BAD_MESSAGES=keep a bad message stays for the dead-letter queue and is recorded once", async () => {
  await using t = await testDb();
  await using s3 = await testS3();
  await using sqs = fakeSqs({ visibilityMs: 50 });
  sqs.send("garbage");
  const { source: src, client } = source(s3, sqs, { badMessages: "keep" });
  try {
    for (let i = 0; i < 3; i++) {
      await pollSource(t.db, src, { maxMessageBytes: 1e8, jobMaxAttempts: 3, concurrency: 1 });
      await new Promise((r) => setTimeout(r, 80));
    }
  } finally {
    client.destroy();
  }
  const [left] = sqs.remaining();
  assert.ok(left && left.receipts >= 2, "still in the queue, received again each visibility timeout");
  assert.equal(
    (await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM source_errors")).rows[0].n,
    1,
  );
});

Deno.test("a failure between the commit and the delete only delays: the redelivery is deleted, not stored again", async () => {
  await using t = await testDb();
  await using s3 = await testS3();
  await using sqs = fakeSqs({ visibilityMs: 100 });
  await s3.put("inbound/k1", await Deno.readFile(join(CORPUS_DIR, corpusFiles()[0])));
  sqs.send(sesNotification(s3.bucket, "inbound/k1"));
  const { source: src, client } = source(s3, sqs);
  try {
    // The process dies after the commit, before the object is moved and the message deleted.
    const dying: MailSource = { ...src, finish: () => Promise.reject(new Error("killed")) };
    const first = await pollSource(t.db, dying, { maxMessageBytes: 1e8, jobMaxAttempts: 3, concurrency: 1 });
    assert.equal(first.errors, 1);
    assert.equal(await count(t.db, "raw_messages"), 1);
    await new Promise((r) => setTimeout(r, 150));
    const again = await drainQueue(t.db, src);
    assert.equal(again.known, 1);
  } finally {
    client.destroy();
  }
  assert.equal(await count(t.db, "raw_messages"), 1);
  assert.deepEqual(sqs.remaining(), []);
});

Deno.test("SIGKILL of a daemon reading SQS, then a restart: every notified message stored once, queue empty", async () => {
  await using t = await testDb();
  await using s3 = await testS3();
  await using sqs = fakeSqs({ visibilityMs: 1000 });
  const files = corpusFiles();
  for (const f of files) {
    const key = `inbound/${f}`;
    await s3.put(key, await Deno.readFile(join(CORPUS_DIR, f)));
    sqs.send(sesNotification(s3.bucket, key));
  }
  const env = {
    ...t.env,
    SQS_QUEUE_URL: sqs.queueUrl,
    SQS_ENDPOINT: sqs.endpoint,
    S3_CATCHUP_INTERVAL: "0",
    S3_ENDPOINT: s3.endpoint,
    SES_PREFIX: "inbound/",
    AWS_ACCESS_KEY_ID: "S3RVER",
    AWS_SECRET_ACCESS_KEY: "S3RVER",
    JOB_LEASE: "1s",
  };
  const first = startDaemon(env);
  await first.waitFor(/^Stored email/, 20);
  first.child.kill("SIGKILL");
  await first.exited;
  await new Promise((r) => setTimeout(r, 1500)); // leases and SQS visibility expire
  const second = startDaemon(env, ["--once"]);
  assert.equal(await second.exited, 0);
  assert.equal(await count(t.db, "raw_messages"), files.length);
  assert.equal(await count(t.db, "emails"), files.length);
  assert.deepEqual(sqs.remaining(), []);
  assert.equal(await count(t.db, "jobs", "state <> 'done'"), 0);
});
