import assert from "node:assert/strict";
import { join } from "node:path";
import { folderSource } from "../src/mail/folder_source.ts";
import { CORPUS_DIR } from "./helpers/corpus.ts";
import { testDb } from "./helpers/db.ts";
import { count, ingestAll } from "./helpers/ingest.ts";

const message = (o: { from: string; subject: string; body: string; id?: string; trace?: string }) =>
  (o.trace ?? "") +
  `From: ${o.from}\r\nTo: hello@frflashy.com\r\nSubject: ${o.subject}\r\n` +
  (o.id ? `Message-ID: ${o.id}\r\n` : "") +
  `Date: Thu, 03 Dec 2026 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${o.body}\r\n`;

async function ingestFiles(files: Record<string, string>) {
  const t = await testDb();
  const dir = await Deno.makeTempDir();
  for (const [name, text] of Object.entries(files)) await Deno.writeTextFile(join(dir, name), text);
  const summary = await ingestAll(t.db, folderSource(dir, { settleMs: 10 }));
  return { t, summary };
}

Deno.test("a second sender's request reusing a Message-ID is an email of its own, and is acted on", async () => {
  const { t } = await ingestFiles({
    "a.eml": message({
      from: "alice@example.com",
      subject: "Pricing?",
      body: "Hello, what does the pro plan cost per seat?",
      id: "<reused@example.com>",
    }),
    "b.eml": message({
      from: "bob@example.org",
      subject: "Please call me",
      body: "I would like to speak to a person about my account, please call me back.",
      id: "<reused@example.com>",
    }),
  });
  await using _ = t;
  assert.equal(await count(t.db, "emails"), 2, "two messages, two emails");
  const { rows } = await t.db.query<
    { sender: string; error: string | null; linked: boolean; processed: boolean }
  >(
    `SELECT e.sender, r.error, r.email_id = e.id AS linked, e.processed
     FROM emails e JOIN raw_messages r ON r.id = e.raw_id ORDER BY e.sender`,
  );
  assert.deepEqual(rows.map((r) => r.sender), ["alice@example.com", "bob@example.org"]);
  for (const r of rows) {
    assert.equal(r.error, null, `${r.sender}: not a duplicate`);
    assert.ok(r.linked && r.processed, `${r.sender}: its own email, routed to the end`);
  }
});

Deno.test("one sender's two messages under one Message-ID with different bodies are two emails", async () => {
  const { t } = await ingestFiles({
    "a.eml": message({ from: "a@example.com", subject: "Hi", body: "first question", id: "<same@x>" }),
    "b.eml": message({ from: "a@example.com", subject: "Hi", body: "another question", id: "<same@x>" }),
  });
  await using _ = t;
  assert.equal(await count(t.db, "emails"), 2);
});

Deno.test("one message delivered twice with other trace headers is one email, with or without a Message-ID", async () => {
  const base = { from: "carol@example.com", subject: "Sign me up", body: "Please open an account for me." };
  const ses = (n: number) =>
    `Received: from mx${n}.example.net by inbound-smtp.us-east-1.amazonaws.com\r\n` +
    `X-SES-Receipt: rule-${n}\r\nX-SES-Spam-Verdict: PASS\r\n`;
  const { t } = await ingestFiles({
    "1.eml": message({ ...base, id: "<carol-1@example.com>", trace: ses(1) }),
    "2.eml": message({ ...base, id: "<carol-1@example.com>", trace: ses(2) }),
    "3.eml": message({ ...base, body: "no id here", trace: ses(1) }),
    "4.eml": message({ ...base, body: "no id here", trace: ses(2) }),
  });
  await using _ = t;
  assert.equal(await count(t.db, "raw_messages"), 4, "four deliveries stored");
  assert.equal(await count(t.db, "emails"), 2, "two messages");
  const { rows } = await t.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM raw_messages WHERE error LIKE 'duplicate delivery%' AND email_id IS NOT NULL",
  );
  assert.equal(rows[0].n, 2, "each repeat linked to its email");
});

Deno.test("a corpus message and its copy from a second receipt rule stay one email", async () => {
  const original = await Deno.readTextFile(join(CORPUS_DIR, "038-make-account-for-my-shop.eml"));
  const { t } = await ingestFiles({
    "a.eml": original,
    "b.eml": "X-SES-Receipt: second-rule\r\n" + original,
  });
  await using _ = t;
  assert.equal(await count(t.db, "emails"), 1);
});
