import assert from "node:assert/strict";
import { join } from "node:path";
import { folderSource } from "../src/mail/folder_source.ts";
import { CORPUS_DIR } from "./helpers/corpus.ts";
import { testDb } from "./helpers/db.ts";
import { count, emailsByFile, ingestAll } from "./helpers/ingest.ts";

const enc = (s: string) => new TextEncoder().encode(s);

Deno.test("every kind of malformed message is stored with a reason, and nothing stops", async () => {
  await using t = await testDb();
  const dir = await Deno.makeTempDir();
  const good = await Deno.readFile(join(CORPUS_DIR, "009-invoices-stopped-arriving-html.eml"));
  const garbage = new Uint8Array(4096).map((_, i) => (i * 7919 + 13) % 256);
  const cases: Record<string, Uint8Array> = {
    "empty.eml": new Uint8Array(0),
    "garbage.eml": garbage,
    "truncated.eml": good.subarray(0, Math.floor(good.length / 2)),
    "truncated-multipart.eml": enc(
      "From: a@example.com\r\nMessage-ID: <t@x>\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n" +
        "--XX\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XX\r\nContent-Type: application/pdf\r\n" +
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0x",
    ),
    "charset.eml": enc(
      "From: b@example.com\r\nMessage-ID: <c@x>\r\nContent-Type: text/plain; charset=x-klingon\r\n\r\nqapla'\r\n",
    ),
    "headerless.eml": enc("just a line of text\nand another\n"),
    "nul.eml": enc("From: c@example.com\r\nSubject: a\u0000b\r\nMessage-ID: <n@x>\r\n\r\nbody\u0000text\r\n"),
    "big.eml": enc("From: d@example.com\r\nMessage-ID: <big@x>\r\n\r\n" + "x".repeat(5000) + "\r\n"),
    "ok.eml": good,
  };
  for (const [name, bytes] of Object.entries(cases)) await Deno.writeFile(join(dir, name), bytes);

  const summary = await ingestAll(t.db, folderSource(dir), { maxMessageBytes: 4096 * 1.2 });
  assert.deepEqual(summary, { stored: 8, known: 0, oversize: 1, rejected: 0, errors: 0 });
  assert.equal(await count(t.db, "emails"), 9, "every input is an email a person can find");
  assert.equal(await count(t.db, "jobs", "state <> 'done'"), 0, "no job failed or is stuck");

  const e = await emailsByFile(t.db);
  const reason = (f: string) => e.get(f)?.parse_error ?? "";
  assert.match(reason("empty.eml"), /empty message \(0 bytes\)/);
  assert.match(reason("garbage.eml"), /binary data/);
  assert.match(reason("truncated-multipart.eml"), /truncated: the closing MIME boundary "--XX--" is missing/);
  assert.match(reason("charset.eml"), /unknown charset "x-klingon"/);
  assert.match(reason("headerless.eml"), /no e-mail headers found/);
  assert.match(reason("big.eml"), /over MAX_MESSAGE_BYTES/);
  assert.equal(reason("ok.eml"), "");
  assert.equal(e.get("nul.eml")?.subject, "ab", "NUL characters are dropped, not fatal");
  assert.equal(e.get("charset.eml")?.sender, "b@example.com");
  // The truncated copy of a good message keeps what it has (here: its headers and sender).
  assert.equal(e.get("truncated.eml")?.sender, "accounts@drummond-price.co.uk");

  // Raw bytes stay retrievable for every read message; the oversize one stays in processed/.
  const { rows } = await t.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM raw_messages WHERE raw IS NULL AND location LIKE '%/processed/big.eml'",
  );
  assert.equal(rows[0].n, 1);
  assert.equal(await count(t.db, "raw_messages", "raw IS NOT NULL"), 8);
  assert.ok((await Deno.stat(join(dir, "processed", "big.eml"))).size > 5000);
});
