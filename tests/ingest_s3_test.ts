import assert from "node:assert/strict";
import { join } from "node:path";
import { s3Source } from "../src/mail/s3_source.ts";
import { CORPUS_DIR, corpusFiles } from "./helpers/corpus.ts";
import { testDb } from "./helpers/db.ts";
import { count, emailsByFile, ingestAll } from "./helpers/ingest.ts";
import { testS3 } from "./helpers/s3.ts";

const options = (s3: { bucket: string; endpoint: string }, afterIngest: "move" | "delete" = "move") => ({
  bucket: s3.bucket,
  prefix: "inbound/",
  processedPrefix: "processed/",
  afterIngest,
  region: "us-east-1",
  endpoint: s3.endpoint,
});

Deno.test("the whole dev corpus goes through the S3 source, byte for byte, and leaves the prefix", async () => {
  await using t = await testDb();
  await using s3 = await testS3();
  const files = corpusFiles();
  for (const f of files) await s3.put(`inbound/${f}`, await Deno.readFile(join(CORPUS_DIR, f)));
  // SES writes this object when the rule is created; it is not mail.
  await s3.put("inbound/AMAZON_SES_SETUP_NOTIFICATION", new TextEncoder().encode("setup"));

  const summary = await ingestAll(t.db, s3Source(options(s3), s3.client));
  assert.deepEqual(summary, { stored: 154, known: 0, oversize: 0, rejected: 0, errors: 0 });
  assert.equal(await count(t.db, "emails"), 154);
  assert.deepEqual(await s3.keys("inbound/"), ["inbound/AMAZON_SES_SETUP_NOTIFICATION"]);
  assert.equal((await s3.keys("processed/")).length, 154);

  // The stored bytes are exactly the object's (no chunk framing from streamed uploads or checksums).
  const { rows } = await t.db.query<{ source_key: string; raw: Uint8Array }>(
    "SELECT source_key, raw FROM raw_messages WHERE source_key LIKE '%/044-%'",
  );
  const original = await Deno.readFile(join(CORPUS_DIR, "044-escalation-sync-failing-large-recording.eml"));
  assert.equal(
    rows[0].source_key,
    `s3://${s3.bucket}/inbound/044-escalation-sync-failing-large-recording.eml`,
  );
  assert.deepEqual(new Uint8Array(rows[0].raw), original);
  const e = await emailsByFile(t.db);
  assert.equal(e.get("009-invoices-stopped-arriving-html.eml")?.sender, "accounts@drummond-price.co.uk");

  // A second poll finds nothing new.
  assert.deepEqual(await ingestAll(t.db, s3Source(options(s3), s3.client)), {
    stored: 0,
    known: 0,
    oversize: 0,
    rejected: 0,
    errors: 0,
  });
});

Deno.test("an object still in the prefix after a crash before the move is not stored twice", async () => {
  await using t = await testDb();
  await using s3 = await testS3();
  const body = await Deno.readFile(join(CORPUS_DIR, corpusFiles()[0]));
  await s3.put("inbound/abc123", body);
  await ingestAll(t.db, s3Source(options(s3), s3.client));
  // The crash: the row is committed but the object was never moved.
  await s3.put("inbound/abc123", body);
  const again = await ingestAll(t.db, s3Source(options(s3), s3.client));
  assert.deepEqual(again, { stored: 0, known: 1, oversize: 0, rejected: 0, errors: 0 });
  assert.equal(await count(t.db, "raw_messages"), 1);
  assert.deepEqual(await s3.keys("inbound/"), [], "the second pass finished the move");
});

Deno.test("with S3_AFTER_INGEST=delete objects are deleted, except oversized ones, which are kept", async () => {
  await using t = await testDb();
  await using s3 = await testS3();
  await s3.put("inbound/small", new TextEncoder().encode("From: a@example.com\r\n\r\nhi\r\n"));
  await s3.put("inbound/huge", new TextEncoder().encode("From: b@example.com\r\n\r\n" + "x".repeat(4000)));
  const summary = await ingestAll(t.db, s3Source(options(s3, "delete"), s3.client), {
    maxMessageBytes: 2048,
  });
  assert.deepEqual(summary, { stored: 1, known: 0, oversize: 1, rejected: 0, errors: 0 });
  assert.deepEqual(await s3.keys(), ["processed/huge"]);
  const { rows } = await t.db.query<{ location: string | null; raw: Uint8Array | null }>(
    "SELECT location, raw FROM raw_messages ORDER BY source_key",
  );
  assert.deepEqual(rows.map((r) => [r.location, r.raw === null]), [
    [`s3://${s3.bucket}/processed/huge`, true],
    [null, false],
  ]);
  assert.equal(await count(t.db, "emails"), 2);
});
