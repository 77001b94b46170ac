import assert from "node:assert/strict";
import type { Db } from "../src/db/client.ts";
import { markEmailProcessedIfDone, type PlannedEffect, storeRoute } from "../src/db/effects.ts";
import { storeEmail, storeRawMessage } from "../src/db/emails.ts";
import { testDb } from "./helpers/db.ts";

const WINDOW = "an automatic reply went to this sender within AUTO_REPLY_WINDOW";
const deliver = { kind: "deliver", maxAttempts: 5 };

async function email(db: Db, n: number): Promise<number> {
  const raw = new TextEncoder().encode(`Subject: ${n}\r\n\r\nPricing?\r\n`);
  const rawId = (await storeRawMessage(db, {
    sourceKey: `test:${n}`,
    source: "test",
    location: null,
    sha256: `sha-${n}`,
    sizeBytes: raw.length,
    raw,
    error: null,
  }, { kind: "parse", maxAttempts: 5 }))?.id;
  const id = await storeEmail(db, {
    messageId: `<${n}@client.example>`,
    sender: "bo@client.example",
    subject: `${n}`,
    body: "Pricing?",
    rawId: rawId!,
    messageIdGenerated: false,
    senderName: null,
    replyTo: null,
    recipients: ["hello@frflashy.com"],
    inReplyTo: null,
    references: null,
    sentAt: null,
    bodyHtml: false,
    headers: {},
    attachments: [],
    sizeBytes: raw.length,
    parseError: null,
    receivedAt: new Date(),
  });
  return id!;
}

const plan = (to: string): PlannedEffect[] => [
  { kind: "webhook", purpose: "crm_task", payload: { target: "crm" }, reason: null, windowRecipient: null },
  { kind: "reply", purpose: "send_info_reply", payload: { to: [to] }, reason: null, windowRecipient: to },
];

Deno.test("routing in one statement: of two emails from one sender routed at once, one reply goes", async () => {
  await using t = await testDb();
  const [a, b] = [await email(t.db, 1), await email(t.db, 2)];
  const stored = await Promise.all(
    [a, b].map((emailId) =>
      storeRoute(t.db, {
        emailId,
        effects: plan("bo@client.example"),
        windowMs: 3_600_000,
        windowReason: WINDOW,
        deliver,
      })
    ),
  );
  const replies = stored.flat().filter((e) => e.purpose === "send_info_reply");
  assert.deepEqual(replies.map((r) => r.state).sort(), ["pending", "suppressed"]);
  assert.equal(replies.find((r) => r.state === "suppressed")!.reason, WINDOW);
  // A deliver job for each pending effect (two webhooks and one reply), none for the suppressed reply.
  const jobs = await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM jobs WHERE kind = 'deliver'");
  assert.equal(jobs.rows[0].n, 3);
  const routed = await t.db.query<{ routed: boolean; processed: boolean }>(
    "SELECT routed_at IS NOT NULL AS routed, processed FROM emails ORDER BY id",
  );
  assert.deepEqual(routed.rows, [{ routed: true, processed: false }, { routed: true, processed: false }]);

  // A second run stores nothing and enqueues nothing.
  assert.deepEqual(
    await storeRoute(t.db, {
      emailId: a,
      effects: plan("bo@client.example"),
      windowMs: 3_600_000,
      windowReason: WINDOW,
      deliver,
    }),
    [],
  );
  const after = await t.db.query<{ effects: number; jobs: number }>(
    "SELECT (SELECT count(*)::int FROM effects) AS effects, (SELECT count(*)::int FROM jobs WHERE kind = 'deliver') AS jobs",
  );
  assert.deepEqual(after.rows[0], { effects: 4, jobs: 3 });
});

Deno.test("routing with nothing to deliver settles the email: filtered and processed, or pending for a person", async () => {
  await using t = await testDb();
  const id = await email(t.db, 3);
  await t.db.query("UPDATE emails SET automated = true WHERE id = $1", [id]);
  const stored = await storeRoute(t.db, {
    emailId: id,
    effects: [{
      kind: "reply",
      purpose: "send_info_reply",
      payload: { to: ["bo@client.example"] },
      reason: "the message is automated",
      windowRecipient: null,
    }],
    windowMs: 3_600_000,
    windowReason: WINDOW,
    deliver,
  });
  assert.deepEqual(stored, [{
    purpose: "send_info_reply",
    state: "suppressed",
    reason: "the message is automated",
  }]);
  await markEmailProcessedIfDone(t.db, id);
  const row = await t.db.query<{ processed: boolean; disposition: string; windows: number }>(
    "SELECT processed, disposition, (SELECT count(*)::int FROM reply_windows) AS windows FROM emails WHERE id = $1",
    [id],
  );
  assert.deepEqual(
    row.rows[0],
    { processed: true, disposition: "filtered", windows: 0 },
    "a suppressed reply takes no window",
  );
  // A person's email with nothing that reaches anyone is not processed: it stays pending, and says why.
  await t.db.query("UPDATE emails SET automated = false, processed = false WHERE id = $1", [id]);
  await markEmailProcessedIfDone(t.db, id);
  const human = await t.db.query<{ processed: boolean; disposition: string; disposition_reason: string }>(
    "SELECT processed, disposition, disposition_reason FROM emails WHERE id = $1",
    [id],
  );
  assert.equal(human.rows[0].processed, false);
  assert.equal(human.rows[0].disposition, "pending");
  assert.match(human.rows[0].disposition_reason, /no hand-off was made/);
});
