import assert from "node:assert/strict";
import { folderSource } from "../src/mail/folder_source.ts";
import { Client, consoleFixture, emailId } from "./helpers/console.ts";
import { ingestAll } from "./helpers/ingest.ts";

/** The same billing question from different customers; the lexicon reads it as an information request. */
function invoiceQuestion(n: number, month: string): string {
  return [
    `From: Customer ${n} <customer${n}@client${n}.example>`,
    "To: hello@frflashy.com",
    "Subject: Question",
    `Message-ID: <invoice-${n}@client${n}.example>`,
    `Date: Wed, 25 Nov 2026 10:0${n}:00 +0000`,
    "Content-Type: text/plain; charset=utf-8",
    "",
    `Where can I find the invoice for my ${month} payment? I need it for our accounting.`,
    "",
  ].join("\r\n");
}

interface Row {
  intent: string;
  classifier: string;
  learned_from: { how: string; without?: string; labels: { id: number; email_id: number }[] } | null;
}

Deno.test("a recurring question corrected once is classified as corrected, says by which example, and undo stops it", async () => {
  await using f = await consoleFixture({ "q1.eml": invoiceQuestion(1, "March") });
  const first = await emailId(f.t, "<invoice-1@client1.example>");
  const read = async (id: number) =>
    (await f.t.db.query<Row>("SELECT intent, classifier, learned_from FROM emails WHERE id = $1", [id]))
      .rows[0];
  assert.equal((await read(first)).intent, "send_info");

  const c = new Client(f.base);
  await c.login();
  await c.act(`/emails/${first}`, `/emails/${first}/correct`, { intent: "speak_to_human", note: "billing" });
  const { rows: [label] } = await f.t.db.query<{ id: number }>("SELECT id FROM labels WHERE email_id = $1", [
    first,
  ]);

  const ingest = async (name: string, text: string) => {
    const dir = await Deno.makeTempDir();
    await Deno.writeTextFile(`${dir}/${name}`, text);
    await ingestAll(f.t.db, folderSource(dir), { env: f.env });
  };
  await ingest("q2.eml", invoiceQuestion(2, "April"));
  const second = await emailId(f.t, "<invoice-2@client2.example>");
  const learned = await read(second);
  assert.equal(learned.intent, "speak_to_human");
  assert.equal(learned.classifier, "offline");
  assert.equal(learned.learned_from?.how, "neighbours");
  assert.equal(learned.learned_from?.without, "send_info");
  assert.deepEqual(learned.learned_from?.labels.map((l) => [Number(l.id), l.email_id]), [[
    Number(label.id),
    first,
  ]]);

  const page = await c.page(`/emails/${second}`);
  assert.match(page.html, /Examples people labelled changed this decision: the lexicon alone said send_info/);
  assert.match(page.html, new RegExp(`<a href="/emails/${first}">email ${first}</a>`));

  // Undo needs the CSRF token like every other action.
  const refused = await c.post(`/emails/${first}/undo`, {});
  await refused.body?.cancel();
  assert.equal(refused.status, 403);
  const undone = await c.act(`/emails/${first}`, `/emails/${first}/undo`, { note: "was right" });
  assert.equal(undone.headers.get("location"), `/emails/${first}?done=undone`);
  assert.equal((await read(first)).intent, "send_info");
  const { rows: labels } = await f.t.db.query<{ retracted_by: string | null }>(
    "SELECT retracted_by FROM labels WHERE email_id = $1",
    [first],
  );
  assert.equal(labels.length, 1);
  assert.ok(labels[0].retracted_by);
  const { rows: audit } = await f.t.db.query<{ action: string; detail: string; note: string }>(
    "SELECT action, detail, note FROM audit_log WHERE email_id = $1 ORDER BY id",
    [first],
  );
  assert.deepEqual(audit.map((a) => a.action), ["correct", "uncorrect"]);
  assert.match(audit[1].detail, /^speak_to_human → send_info; label \d+ retracted; routed again: /);
  assert.equal(audit[1].note, "was right");
  // Routed again for send_info: the first reply was delivered, so the new one is withheld.
  const { rows: replies } = await f.t.db.query<{ state: string }>(
    "SELECT state FROM effects WHERE email_id = $1 AND kind = 'reply' ORDER BY id",
    [first],
  );
  assert.equal(replies.filter((r) => r.state !== "suppressed").length, 1);
  assert.ok(replies.length >= 2);
  assert.match((await c.page(`/emails/${first}`)).html, /undone .* by /);

  // A retracted label teaches nothing: the question is information again.
  await ingest("q3.eml", invoiceQuestion(3, "May"));
  const third = await read(await emailId(f.t, "<invoice-3@client3.example>"));
  assert.equal(third.intent, "send_info");
  assert.equal(third.learned_from, null);
  // Nothing left to undo.
  const again = await c.act(`/emails/${first}`, `/emails/${first}/undo`);
  assert.equal(again.status, 409);
});
