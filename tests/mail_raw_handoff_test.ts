import assert from "node:assert/strict";
import type { Db } from "../src/db/client.ts";
import type { RawMessageRow } from "../src/db/emails.ts";
import { Worker } from "../src/jobs/worker.ts";
import { filesSource } from "../src/mail/folder_source.ts";
import { PARSE_JOB, pollSource } from "../src/mail/ingest.ts";
import { parseJobHandler } from "../src/mail/parse_job.ts";
import { RawHandoff } from "../src/mail/raw_handoff.ts";
import { CORPUS_DIR, corpusFiles } from "./helpers/corpus.ts";
import { testDb } from "./helpers/db.ts";

function row(id: number, bytes: number, emailId: number | null = null): RawMessageRow {
  return {
    id,
    source_key: `k${id}`,
    source: "test",
    location: null,
    sha256: "",
    size_bytes: bytes,
    raw: new Uint8Array(bytes),
    error: null,
    email_id: emailId,
    received_at: new Date(),
  };
}

Deno.test("the hand-off gives a row out once, drops the oldest past its bounds, keeps only fresh rows", () => {
  const h = new RawHandoff({ maxBytes: 100, maxRows: 3 });
  h.put(row(1, 40));
  h.put(row(2, 40));
  assert.equal(h.take(1)?.id, 1);
  assert.equal(h.take(1), undefined, "handed out once");
  h.put(row(3, 40));
  h.put(row(4, 40)); // 2 + 3 + 4 = 120 bytes: 2 goes
  assert.equal(h.take(2), undefined);
  assert.equal(h.size, 2);
  h.put(row(5, 1));
  h.put(row(6, 1)); // four rows: 3 goes
  assert.deepEqual([h.take(3), h.take(4)?.id, h.take(5)?.id, h.take(6)?.id], [undefined, 4, 5, 6]);
  h.put(row(7, 101));
  h.put(row(8, 10, 42));
  h.put({ ...row(9, 0), raw: null });
  assert.equal(h.size, 0, "too large, already parsed, or without bytes: not kept");
});

Deno.test("parse jobs take what ingest stored from the hand-off: same emails, no read of the bytes", async () => {
  const files = corpusFiles().slice(0, 20).map((f) => `${CORPUS_DIR}/${f}`);
  files.push(`${CORPUS_DIR}/044-escalation-sync-failing-large-recording.eml`);
  /** Ingests and parses `files`; returns the emails and how many times a delivery's bytes were read back. */
  async function run(handoff: RawHandoff | undefined) {
    await using t = await testDb();
    let reads = 0;
    const counting: Db = {
      ...t.db,
      query: (text, params) => {
        if (text.includes("One stored delivery with its bytes")) reads++;
        return t.db.query(text, params);
      },
    };
    const summary = await pollSource(counting, filesSource(files), {
      maxMessageBytes: 40 * 1024 * 1024,
      jobMaxAttempts: 3,
      concurrency: 4,
      handoff,
    });
    assert.equal(summary.stored, files.length);
    const worker = new Worker(counting, { [PARSE_JOB]: parseJobHandler(undefined, { handoff }) }, {
      workerId: "w",
      concurrency: 4,
      leaseMs: 30_000,
      pollMs: 100,
    });
    await worker.drain();
    assert.equal(worker.counts.done, files.length);
    const { rows } = await t.db.query<{ same_received_at: boolean; linked: boolean }>(
      `SELECT e.message_id, e.sender, e.subject, e.body, e.headers, e.attachments, e.size_bytes, e.parse_error,
              e.received_at = date_trunc('milliseconds', r.received_at) AS same_received_at, r.email_id = e.id AS linked
       FROM emails e JOIN raw_messages r ON r.id = e.raw_id ORDER BY e.message_id`,
    );
    return { rows, reads, left: handoff?.size ?? 0 };
  }
  const read = await run(undefined);
  const handed = await run(new RawHandoff());
  assert.equal(read.reads, files.length, "without a hand-off every parse job reads its delivery");
  assert.equal(handed.reads, 0, "with it, none does");
  assert.equal(handed.left, 0, "every row was taken");
  assert.deepEqual(handed.rows, read.rows, "the same emails either way");
  assert.ok(handed.rows.every((r) => r.same_received_at && r.linked));
});
