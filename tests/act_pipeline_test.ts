import assert from "node:assert/strict";
import { join } from "node:path";
import { filesSource, folderSource } from "../src/mail/folder_source.ts";
import { parseEmail } from "../src/mail/parse.ts";
import { copyEml } from "./helpers/cli.ts";
import { CORPUS_DIR, corpusFiles, loadLabels } from "./helpers/corpus.ts";
import { testDb } from "./helpers/db.ts";
import { count, ingestAll } from "./helpers/ingest.ts";

/** The automatic replies in an outbox folder, parsed. */
async function repliesIn(dir: string) {
  const out = [];
  for await (const e of Deno.readDir(dir)) {
    if (!e.name.endsWith(".eml")) continue;
    const mail = await parseEmail(await Deno.readFile(join(dir, e.name)));
    const auto = mail.headers["auto-submitted"]?.[0];
    if (auto === "auto-replied") {
      out.push({ file: e.name, to: mail.recipients, inReplyTo: mail.inReplyTo, mail });
    }
  }
  return out;
}

Deno.test("the dev corpus through the pipeline: replies exactly where the handler and auto_reply_ok allow", async () => {
  await using t = await testDb();
  const inbox = await Deno.makeTempDir();
  const outbox = await Deno.makeTempDir();
  await copyEml(CORPUS_DIR, inbox);
  await ingestAll(t.db, folderSource(inbox), { env: { OUTBOX_DIR: outbox, SEND_RATE: "1000" } });

  const { rows } = await t.db.query<
    {
      id: number;
      sender: string;
      reply_to: string | null;
      intent: string;
      automated: boolean;
      auto_reply_ok: boolean;
      file: string;
      processed: boolean;
      message_id_generated: boolean;
    }
  >(
    `SELECT e.id, e.sender, e.reply_to, e.intent, e.automated, e.auto_reply_ok, e.processed, e.message_id_generated,
            regexp_replace(r.location, '^.*/', '') AS file
     FROM emails e JOIN raw_messages r ON r.id = e.raw_id`,
  );
  assert.equal(rows.length, 154);
  assert.ok(rows.every((r) => r.processed), "every email is processed once its effects are delivered");
  const handlerReplies = new Set(["send_info", "create_account", "speak_to_human"]);
  const eligible = rows.filter((r) =>
    !r.automated && r.auto_reply_ok && handlerReplies.has(r.intent) &&
    !(r.reply_to ?? r.sender).endsWith("@frflashy.com")
  );
  const replies = await repliesIn(outbox);
  assert.equal(replies.length, eligible.length, "one reply per eligible email");
  assert.deepEqual(
    replies.map((r) => r.to[0]).sort(),
    eligible.map((r) => (r.reply_to ?? r.sender).toLowerCase()).sort(),
  );
  // Safety against the labels, not only against our own decisions.
  const labels = new Map(loadLabels().map((l) => [l.file, l]));
  const byAddress = new Map(rows.map((r) => [(r.reply_to ?? r.sender).toLowerCase(), r]));
  for (const reply of replies) {
    const row = byAddress.get(reply.to[0])!;
    const label = labels.get(row.file)!;
    assert.equal(label.automated, false, `${row.file}: no reply to automated mail`);
    assert.equal(label.auto_reply_ok, true, `${row.file}: no reply to unsafe mail`);
    // In-Reply-To names the original's Message-ID when it has one (never one we generated).
    assert.equal(Boolean(reply.inReplyTo), !row.message_id_generated, `${row.file}: In-Reply-To`);
  }
  const perEmail = await t.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM effects WHERE kind = 'reply' AND state = 'delivered' GROUP BY email_id HAVING count(*) > 1",
  );
  assert.equal(perEmail.rows.length, 0, "never two replies to one email");
  assert.equal(await count(t.db, "jobs", "state <> 'done'"), 0);

  // The same messages again: nothing new is stored, decided or sent.
  const effectsBefore = (await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM effects")).rows[0].n;
  const files = corpusFiles(join(inbox, "processed")).map((f) => join(inbox, "processed", f));
  const again = await ingestAll(t.db, filesSource(files), { env: { OUTBOX_DIR: outbox, SEND_RATE: "1000" } });
  assert.equal(again.stored, 0);
  assert.equal(
    (await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM effects")).rows[0].n,
    effectsBefore,
  );
  assert.equal((await repliesIn(outbox)).length, replies.length);
});

Deno.test("the per-sender window: a second message from the same sender within it gets no second reply", async () => {
  await using t = await testDb();
  const dir = await Deno.makeTempDir();
  const outbox = await Deno.makeTempDir();
  const mail = (id: string, subject: string) =>
    `From: Bo <bo@client.example>\r\nTo: hello@frflashy.com\r\nMessage-ID: <${id}@client.example>\r\n` +
    `Subject: ${subject}\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\n\r\nHow much does the team plan cost per month? ` +
    `Please send me your pricing.\r\n`;
  await Deno.writeTextFile(join(dir, "a.eml"), mail("one", "Pricing"));
  await ingestAll(t.db, folderSource(dir), { env: { OUTBOX_DIR: outbox, SEND_RATE: "1000" } });
  await Deno.writeTextFile(join(dir, "b.eml"), mail("two", "Pricing again"));
  await ingestAll(t.db, folderSource(dir), { env: { OUTBOX_DIR: outbox, SEND_RATE: "1000" } });
  assert.equal((await repliesIn(outbox)).length, 1);
  const { rows } = await t.db.query<{ state: string; last_error: string | null }>(
    "SELECT state, last_error FROM effects WHERE kind = 'reply' ORDER BY id",
  );
  assert.deepEqual(rows.map((r) => r.state), ["delivered", "suppressed"]);
  assert.match(rows[1].last_error ?? "", /within AUTO_REPLY_WINDOW/);
  assert.equal(await count(t.db, "emails", "processed"), 2);
  // The withheld one goes to a person instead (its fallback hand-off), and says so.
  const { rows: emails } = await t.db.query<{ disposition: string; reason: string; purposes: string[] }>(
    `SELECT e.disposition, e.disposition_reason AS reason,
            array(SELECT purpose FROM effects f WHERE f.email_id = e.id AND f.state = 'delivered' ORDER BY purpose)
              AS purposes
     FROM emails e ORDER BY e.id`,
  );
  assert.deepEqual(emails.map((e) => e.disposition), ["answered", "with_person"]);
  assert.deepEqual(emails[1].purposes, ["withheld"]);
});
