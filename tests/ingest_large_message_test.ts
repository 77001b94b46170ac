import assert from "node:assert/strict";
import { largeMessage } from "../bench/memory.ts";
import { getRawMessage, RAW_PIECE_BYTES, storeRawMessage } from "../src/db/emails.ts";
import { sha256Hex } from "../src/mail/hex.ts";
import { runCli } from "./helpers/cli.ts";
import { testDb } from "./helpers/db.ts";
import { count } from "./helpers/ingest.ts";

Deno.test("a 40 MB message is stored byte for byte, in pieces, and parsed and classified", async () => {
  await using t = await testDb();
  const inbox = await Deno.makeTempDir();
  try {
    const bytes = largeMessage(41_943_040 - 65_536);
    await Deno.writeFile(`${inbox}/large.eml`, bytes);
    const run = await runCli(["run", "--once"], { ...t.env, INBOX_DIR: inbox });
    assert.equal(run.code, 0, run.stderr);
    const { rows } = await t.db.query<
      { size: number; sha: string; intent: string | null; parse_error: string }
    >(
      `SELECT octet_length(r.raw)::int AS size, encode(sha256(r.raw), 'hex') AS sha, e.intent, e.parse_error
       FROM raw_messages r JOIN emails e ON e.raw_id = r.id`,
    );
    assert.equal(rows.length, 1);
    assert.equal(rows[0].size, bytes.length);
    assert.equal(rows[0].sha, sha256Hex(bytes), "the stored bytes are the message's");
    assert.equal(rows[0].parse_error, null);
    assert.equal(rows[0].intent, "send_info", "classified from its text, past the 40 MB attachment");
    assert.equal(await count(t.db, "raw_uploads"), 0, "no upload pieces left behind");
  } finally {
    await Deno.remove(inbox, { recursive: true });
  }
});

Deno.test("bytes just over a piece boundary come back exactly, and small ones in one statement", async () => {
  await using t = await testDb();
  for (const size of [100, 4 * RAW_PIECE_BYTES + 1, 5 * RAW_PIECE_BYTES]) {
    const raw = new Uint8Array(size);
    for (let i = 0; i < size; i += 65_536) crypto.getRandomValues(raw.subarray(i, i + 65_536));
    const row = await storeRawMessage(t.db, {
      sourceKey: `test:${size}`,
      source: "folder",
      location: null,
      sha256: sha256Hex(raw),
      sizeBytes: size,
      raw,
      error: null,
    }, { kind: "parse", maxAttempts: 5 });
    assert.ok(row);
    const back = await getRawMessage(t.db, row.id);
    assert.equal(back?.raw?.length, size);
    assert.equal(sha256Hex(back!.raw!), sha256Hex(raw), `${size} bytes read back exactly`);
  }
  assert.equal(await count(t.db, "raw_uploads"), 0);
});
