import assert from "node:assert/strict";
import { join } from "node:path";
import { decide } from "../src/classify/decide.ts";
import { folderSource } from "../src/mail/folder_source.ts";
import { parseEmail } from "../src/mail/parse.ts";
import { copyEml } from "./helpers/cli.ts";
import { testDb } from "./helpers/db.ts";
import { ingestAll } from "./helpers/ingest.ts";

const FIXTURES = new URL("./fixtures/", import.meta.url).pathname;
const AUTOMATED = join(FIXTURES, "automated");
const RELAYED = join(FIXTURES, "relayed_human");
const OWN = ["@frflashy.com"];

function emlIn(dir: string): string[] {
  return [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".eml")).map((e) => e.name).sort();
}

const KINDS: Record<string, string> = JSON.parse(Deno.readTextFileSync(join(AUTOMATED, "kinds.json")));

Deno.test("the automated fixtures: at least 50, every one with a kind and a label, every kind there", () => {
  const files = emlIn(AUTOMATED);
  assert.ok(files.length >= 50, `${files.length} fixtures`);
  assert.deepEqual(Object.keys(KINDS).sort(), files);
  const labelled = Deno.readTextFileSync(join(AUTOMATED, "labels.jsonl")).trim().split("\n")
    .map((l) => JSON.parse(l).file).sort();
  assert.deepEqual(labelled, files, "labels.jsonl (for eval) lists the same files");
  const kinds = new Set(Object.values(KINDS));
  for (
    const kind of [
      "dsn",
      "dsn-delay",
      "arf",
      "non-arf-complaint",
      "dmarc-report",
      "list-notice",
      "vacation",
      "auto-response",
      "read-receipt",
    ]
  ) assert.ok(kinds.has(kind), kind);
  assert.ok(emlIn(RELAYED).length >= 6);
});

Deno.test("every automated fixture is recognised as automated and may not be answered, with its reasons", async () => {
  const wrong: string[] = [];
  for (const file of emlIn(AUTOMATED)) {
    const mail = await parseEmail(await Deno.readFile(join(AUTOMATED, file)));
    const d = await decide(mail, { ownAddresses: OWN, maxChars: 4000, lastAttempt: true });
    if (!d.automated || d.auto_reply_ok || d.intent !== "unknown" || d.reasons.length === 0) {
      wrong.push(`${file} (${KINDS[file]}): ${JSON.stringify(d.reasons)}`);
    }
  }
  assert.deepEqual(wrong, []);
});

Deno.test("bare-CR fixtures keep their headers and sender", async () => {
  for (const file of emlIn(AUTOMATED)) {
    const raw = await Deno.readFile(join(AUTOMATED, file));
    const bareCr = raw.some((b, i) => b === 13 && raw[i + 1] !== 10);
    if (!bareCr) continue;
    const mail = await parseEmail(raw);
    assert.ok(mail.headers["subject"], `${file}: headers read`);
    assert.ok(!mail.problems.some((p) => p.startsWith("no e-mail headers")), file);
  }
});

Deno.test("every relayed human message is human mail: classified by content, never answered automatically", async () => {
  for (const file of emlIn(RELAYED)) {
    const mail = await parseEmail(await Deno.readFile(join(RELAYED, file)));
    const d = await decide(mail, { ownAddresses: OWN, maxChars: 4000, lastAttempt: true });
    assert.equal(d.automated, false, `${file}: ${JSON.stringify(d.reasons)}`);
    assert.equal(d.auto_reply_ok, false, `${file}: a no-reply sender gets no automatic reply`);
    assert.deepEqual(d.reasons, ["sender:noreply-relay"], file);
    assert.equal(d.classifier, "offline", file);
  }
});

Deno.test("the fixtures through the pipeline: automated mail gets no reply, relayed people are human", async () => {
  await using t = await testDb();
  const inbox = await Deno.makeTempDir({ prefix: "automated-fixtures-" });
  const outbox = await Deno.makeTempDir({ prefix: "automated-outbox-" });
  try {
    const n = await copyEml(AUTOMATED, inbox) + await copyEml(RELAYED, inbox);
    await ingestAll(t.db, folderSource(inbox), {
      env: { OUTBOX_DIR: outbox, SEND_RATE: "1000", UNKNOWN_AUTO_REPLY: "true" },
    });
    const { rows } = await t.db.query<
      { file: string; automated: boolean; auto_reply_ok: boolean; replies: number }
    >(
      `SELECT regexp_replace(r.location, '^.*/', '') AS file, e.automated, e.auto_reply_ok,
              (SELECT count(*)::int FROM effects f WHERE f.email_id = e.id AND f.kind = 'reply'
                                                 AND f.state <> 'suppressed') AS replies
       FROM emails e JOIN raw_messages r ON r.id = e.raw_id`,
    );
    assert.equal(rows.length, n, "every fixture stored as an email");
    const automated = new Set(emlIn(AUTOMATED));
    for (const r of rows) {
      assert.equal(r.automated, automated.has(r.file), `${r.file}: automated`);
      assert.equal(r.auto_reply_ok, false, r.file);
      assert.equal(r.replies, 0, `${r.file}: no automatic reply planned`);
    }
    const sent = [...Deno.readDirSync(outbox)].filter((e) => e.name.endsWith(".eml"));
    for (const e of sent) {
      const mail = await parseEmail(await Deno.readFile(join(outbox, e.name)));
      assert.notEqual(mail.headers["auto-submitted"]?.[0], "auto-replied", `${e.name} is an automatic reply`);
    }
  } finally {
    await Deno.remove(inbox, { recursive: true });
    await Deno.remove(outbox, { recursive: true });
  }
});
