import assert from "node:assert/strict";
import { join } from "node:path";
import { parseEmail } from "../src/mail/parse.ts";
import { ParsePool, ParseTimeoutError } from "../src/mail/parse_pool.ts";
import { CORPUS_DIR, corpusFiles } from "./helpers/corpus.ts";
import { shortLinesMessage } from "./helpers/slow_mail.ts";

Deno.test("every dev corpus message parses in the worker exactly as in-process", async () => {
  using pool = new ParsePool({ timeoutMs: 60_000 });
  const names = corpusFiles();
  assert.ok(names.length > 100, "the whole dev corpus");
  for (const name of names) {
    const raw = await Deno.readFile(join(CORPUS_DIR, name));
    const inProcess = await parseEmail(raw);
    // transfer: the bytes move to the worker, so this copy is the one given away.
    assert.deepEqual(await pool.parse(raw.slice(), { transfer: true }), inProcess, name);
  }
});

Deno.test("a message past the deadline fails with the reason, and the next one parses in a fresh worker", async () => {
  using pool = new ParsePool({ timeoutMs: 50, size: 1 });
  const slow = shortLinesMessage(1_000_000); // seconds of parsing
  const started = performance.now();
  await assert.rejects(pool.parse(slow), (error) => {
    assert.ok(error instanceof ParseTimeoutError);
    assert.equal(error.message, "Cannot parse message: parsing took longer than 50 ms");
    return true;
  });
  assert.ok(performance.now() - started < 2_000, "the caller did not wait for the parse to finish");
  const next = await pool.parse(
    new TextEncoder().encode("From: a@example.com\r\nSubject: next\r\n\r\nhi\r\n"),
  );
  assert.equal(next.subject, "next");
});

Deno.test("closing the pool fails what is queued and ends its workers", async () => {
  const pool = new ParsePool({ timeoutMs: 60_000, size: 1 });
  const running = pool.parse(shortLinesMessage(300_000));
  const queued = pool.parse(shortLinesMessage(1_000));
  pool.close();
  await assert.rejects(running, /the parse pool was closed/);
  await assert.rejects(queued, /the parse pool was closed/);
  await assert.rejects(pool.parse(new Uint8Array(1)), /the parse pool is closed/);
});

Deno.test("a view into a larger buffer is copied, not moved, even with transfer", async () => {
  using pool = new ParsePool({ timeoutMs: 60_000, size: 1 });
  const whole = new TextEncoder().encode("xxxxFrom: a@example.com\r\nSubject: view\r\n\r\nhi\r\n");
  const view = whole.subarray(4);
  assert.equal((await pool.parse(view, { transfer: true })).subject, "view");
  assert.equal(whole.byteLength, 46, "the buffer the view shares is not detached");
  assert.equal(view.byteLength, 42);
});
