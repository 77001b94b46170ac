import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { filesSource, folderSource } from "../src/mail/folder_source.ts";
import { copyEml } from "./helpers/cli.ts";
import { CORPUS_DIR, corpusFiles } from "./helpers/corpus.ts";
import { testDb } from "./helpers/db.ts";
import { count, emailsByFile, ingestAll } from "./helpers/ingest.ts";

Deno.test("the whole dev corpus goes through the folder source into one row each", async () => {
  await using t = await testDb();
  const inbox = await Deno.makeTempDir();
  const files = await copyEml(CORPUS_DIR, inbox);
  assert.equal(files, 154);
  const summary = await ingestAll(t.db, folderSource(inbox));
  assert.deepEqual(summary, { stored: 154, known: 0, oversize: 0, rejected: 0, errors: 0 });
  assert.equal(await count(t.db, "emails"), 154);
  assert.equal(await count(t.db, "jobs", "kind = 'parse'"), 154);
  assert.equal(await count(t.db, "jobs", "state <> 'done'"), 0, "every stage ran to the end");
  // Every file left the inbox for processed/, and nothing else is there.
  assert.deepEqual(corpusFiles(inbox), []);
  assert.equal(corpusFiles(join(inbox, "processed")).length, 154);

  const emails = await emailsByFile(t.db);
  const html = emails.get("009-invoices-stopped-arriving-html.eml")!;
  assert.equal(html.sender, "accounts@drummond-price.co.uk");
  assert.equal(html.subject, "Missing invoices");
  assert.equal(html.body_html, true, "the body came from the HTML part");
  assert.doesNotMatch(html.body ?? "", /<[a-z]+[ >]/i, "no tags left in the text");
  assert.equal(html.intent_flags.length, 5);
  assert.equal(html.intent_flags.filter((f) => f === true).length, 1, "one-hot");
  assert.equal(html.processed, true, "classified, routed, effects delivered");

  const cp1252 = emails.get("085-formal-quote-40-licences.eml")!;
  assert.equal(cp1252.subject, "Request for quotation – 40 user licences", "RFC 2047 in Windows-1252");

  const big = emails.get("044-escalation-sync-failing-large-recording.eml")!;
  assert.ok(big.size_bytes > 2_000_000);
  assert.ok(big.attachments.length >= 1 && big.attachments.every((a) => a.size > 0 && a.mime_type));
  assert.ok(big.headers["received"]?.length >= 1, "headers are kept as JSON");
  assert.ok(big.attachments.every((a) => !("content" in a)), "no attachment bytes in the row");
  assert.ok(JSON.stringify(big.attachments).length < 2000);

  for (const file of ["038-make-account-for-my-shop.eml", "058-call-me-back-oneliner.eml"]) {
    const e = emails.get(file)!;
    assert.equal(e.message_id_generated, true, `${file} has no Message-ID`);
    assert.match(e.message_id, /^<[0-9a-f]{64}@ses-daemon-bot\.invalid>$/);
  }
  const noDate = emails.get("011-pocket-gibberish-no-date.eml")!;
  assert.ok(noDate.sender.includes("@"));
});

Deno.test("ingesting the same files again stores nothing new", async () => {
  await using t = await testDb();
  const some = corpusFiles().slice(0, 10).map((f) => join(CORPUS_DIR, f));
  assert.equal((await ingestAll(t.db, filesSource(some))).stored, 10);
  const jobs = await count(t.db, "jobs");
  assert.deepEqual(await ingestAll(t.db, filesSource(some)), {
    stored: 0,
    known: 10,
    oversize: 0,
    rejected: 0,
    errors: 0,
  });
  assert.equal(await count(t.db, "emails"), 10);
  assert.equal(await count(t.db, "jobs"), jobs, "no new job");
});

Deno.test("two deliveries of one Message-ID make one email, the second linked to it", async () => {
  await using t = await testDb();
  const dir = await Deno.makeTempDir();
  const original = await Deno.readTextFile(join(CORPUS_DIR, "009-invoices-stopped-arriving-html.eml"));
  // A second receipt rule delivers the same message with other SES headers in front.
  await Deno.writeTextFile(join(dir, "a.eml"), original);
  await Deno.writeTextFile(join(dir, "b.eml"), "X-SES-Receipt: second-rule\r\n" + original);
  assert.equal((await ingestAll(t.db, folderSource(dir))).stored, 2);
  assert.equal(await count(t.db, "raw_messages"), 2);
  assert.equal(await count(t.db, "emails"), 1);
  const { rows } = await t.db.query<{ error: string | null; email_id: number | null }>(
    "SELECT error, email_id FROM raw_messages ORDER BY error NULLS FIRST",
  );
  assert.equal(rows[0].error, null);
  assert.equal(rows[1].email_id, rows[0].email_id);
  assert.match(rows[1].error ?? "", /duplicate delivery of Message-ID already stored as email \d+/);
});

Deno.test("a message without Message-ID gets the same generated id every time", async () => {
  await using t = await testDb();
  const dir = await Deno.makeTempDir();
  const body = "From: a@example.com\r\nSubject: no id\r\n\r\nhello\r\n";
  await Deno.writeTextFile(join(dir, "one.eml"), body);
  await Deno.writeTextFile(join(dir, "two.eml"), body);
  await ingestAll(t.db, folderSource(dir));
  assert.equal(await count(t.db, "raw_messages"), 1, "same bytes, same source key");
  assert.equal(await count(t.db, "emails"), 1);
});

Deno.test("a file still being written is read only once it is complete", async () => {
  await using t = await testDb();
  const dir = await Deno.makeTempDir();
  const full = await Deno.readFile(join(CORPUS_DIR, "009-invoices-stopped-arriving-html.eml"));
  const path = join(dir, "mail.eml");
  // The writer has put down the first 166 bytes (the case) and writes the rest a moment later.
  await Deno.writeFile(path, full.subarray(0, 166));
  const source = folderSource(dir, { settleMs: 1000 });
  const writing = new Promise<void>((resolve) =>
    setTimeout(() => Deno.writeFile(path, full.subarray(166), { append: true }).then(resolve), 200)
  );
  const first = await ingestAll(t.db, source);
  await writing;
  const second = await ingestAll(t.db, source);
  assert.equal(first.stored + second.stored, 1);
  const { rows } = await t.db.query<{ size_bytes: number }>("SELECT size_bytes FROM raw_messages");
  assert.deepEqual(
    rows.map((r) => r.size_bytes),
    [full.length],
    "the whole message, not its first 166 bytes",
  );
  assert.deepEqual(await Deno.readFile(join(dir, "processed", "mail.eml")), full);
});

Deno.test("two different oversize files of one name and size are both kept, keyed by a streamed hash", async () => {
  await using t = await testDb();
  const dir = await Deno.makeTempDir();
  const folder = folderSource(dir, { settleMs: 10 });
  // An oversize file is hashed from a stream, never read whole: read() must not be called.
  const source = {
    ...folder,
    read: () => Promise.reject(new Error("an oversize file was read into memory")),
  };
  const a = new TextEncoder().encode("From: a@example.com\r\nSubject: one\r\n\r\n" + "a".repeat(300));
  const b = new TextEncoder().encode("From: b@example.com\r\nSubject: two\r\n\r\n" + "b".repeat(300));
  assert.equal(a.length, b.length);
  const results = [];
  for (const bytes of [a, b]) {
    await Deno.writeFile(join(dir, "mail.eml"), bytes);
    results.push(await ingestAll(t.db, source, { maxMessageBytes: 100 }));
  }
  assert.deepEqual(results.map((r) => [r.oversize, r.known, r.errors]), [[1, 0, 0], [1, 0, 0]]);
  const { rows } = await t.db.query<{ source_key: string; sha256: string; location: string }>(
    "SELECT source_key, sha256, location FROM raw_messages ORDER BY id",
  );
  assert.equal(rows.length, 2);
  for (const [i, bytes] of [a, b].entries()) {
    const sha = createHash("sha256").update(bytes).digest("hex");
    assert.equal(rows[i].source_key, `sha256:${sha}`);
    assert.equal(rows[i].sha256, sha);
    assert.deepEqual(await Deno.readFile(rows[i].location), bytes, "each row points at its own original");
  }
  assert.equal(corpusFiles(join(dir, "processed")).length, 2, "nothing overwritten in processed/");
});
