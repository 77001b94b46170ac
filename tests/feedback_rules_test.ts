import assert from "node:assert/strict";
import { ConfigError, inboundPush, loadConfig } from "../src/config.ts";
import { getSuppression, recordFeedback } from "../src/db/feedback.ts";
import { ingestFeedback } from "../src/feedback/ingest.ts";
import { startHealthServer } from "../src/health_server.ts";
import { parseFeedback } from "../src/feedback/parse.ts";
import { testDb } from "./helpers/db.ts";
import { bounce, complaint, delivery } from "./helpers/ses_feedback.ts";

const RULES = { softBounces: 3, softWindowMs: 14 * 86_400_000 };
const DAY = 86_400_000;

function one(ses: Record<string, unknown>) {
  const r = parseFeedback(JSON.stringify(ses));
  assert.ok(r.feedback, r.error ?? r.ignored);
  return r.feedback[0];
}

Deno.test("a Permanent bounce or a complaint suppresses at once; a delivery never does; repeats change nothing", async () => {
  await using t = await testDb();
  const b = bounce({ messageId: "m1", recipients: ["Gone@Example.com"], subType: "NoEmail" });
  const first = await recordFeedback(t.db, { feedback: one(b), source: "file", raw: b, rules: RULES });
  assert.equal(first.stored, true);
  assert.equal(first.suppressed_by, "permanent_bounce");
  assert.equal(first.newly_suppressed, true);
  const again = await recordFeedback(t.db, { feedback: one(b), source: "sqs", raw: b, rules: RULES });
  assert.deepEqual([again.stored, again.suppressed_by], [false, null], "a repeat is dropped");
  const s = await getSuppression(t.db, "gone@example.com");
  assert.equal(s?.source, "permanent_bounce");
  assert.equal(s?.bounces, 1);
  assert.match(s!.reason, /Permanent bounce \(NoEmail\) of SES message m1: smtp; 550 5\.1\.1/);

  const c = complaint({ messageId: "m2", recipients: ["angry@example.com"] });
  assert.equal(
    (await recordFeedback(t.db, { feedback: one(c), source: "sns", raw: c, rules: RULES })).suppressed_by,
    "complaint",
  );
  const c2 = complaint({ messageId: "m3", recipients: ["gone@example.com"] });
  const more = await recordFeedback(t.db, { feedback: one(c2), source: "sns", raw: c2, rules: RULES });
  assert.deepEqual([more.suppressed_by, more.newly_suppressed], ["complaint", false]);
  assert.equal(
    (await getSuppression(t.db, "gone@example.com"))?.complaints,
    1,
    "counted on the existing row",
  );

  const d = delivery({ messageId: "m4", recipients: ["fine@example.com"] });
  assert.equal(
    (await recordFeedback(t.db, { feedback: one(d), source: "sqs", raw: d, rules: RULES })).suppressed_by,
    null,
  );
  assert.equal(await getSuppression(t.db, "fine@example.com"), undefined);
  const { rows } = await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM feedback");
  assert.equal(rows[0].n, 4);
});

Deno.test("soft bounces suppress on the third within the window; Transient/General alone never", async () => {
  await using t = await testDb();
  const soft = (to: string, type: string, subType: string, at: number) => {
    const b = bounce({ messageId: crypto.randomUUID(), recipients: [to], bounceType: type, subType });
    (b.bounce as Record<string, unknown>).timestamp = new Date(at).toISOString();
    return recordFeedback(t.db, {
      feedback: one(b),
      source: "file",
      raw: b,
      rules: RULES,
      now: new Date(at),
    });
  };
  const t0 = Date.parse("2026-11-01T00:00:00Z");
  // Out-of-office replies: Transient/General, as often as they come.
  for (let i = 0; i < 5; i++) {
    assert.equal((await soft("ooo@x.com", "Transient", "General", t0 + i)).suppressed_by, null);
  }
  assert.equal(await getSuppression(t.db, "ooo@x.com"), undefined);

  // Two in the window, one outside: not yet.
  assert.equal((await soft("full@x.com", "Transient", "MailboxFull", t0)).suppressed_by, null);
  assert.equal((await soft("full@x.com", "Transient", "MailboxFull", t0 + 20 * DAY)).suppressed_by, null);
  assert.equal((await soft("full@x.com", "Undetermined", "Undetermined", t0 + 21 * DAY)).suppressed_by, null);
  const third = await soft("full@x.com", "Transient", "MessageTooLarge", t0 + 22 * DAY);
  assert.equal(third.suppressed_by, "soft_bounces");
  assert.match(third.reason!, /^3 soft bounces within 14d, the last Transient\/MessageTooLarge/);
});

Deno.test("feedback settings: defaults, and SNS feedback topics need the endpoint but not the inbound bucket", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  const c = loadConfig(env({}));
  assert.deepEqual([c.suppressSoftBounces, c.suppressSoftWindowMs, c.sesFeedbackQueueUrl], [
    3,
    14 * DAY,
    undefined,
  ]);
  // Feedback over SNS with inbound mail from the folder: no SES_BUCKET needed, the folder stays the source.
  const sns = loadConfig(
    env({ SNS_LISTEN_ADDR: "127.0.0.1:8080", SES_FEEDBACK_TOPIC_ARNS: "arn:aws:sns:x:1:fb" }),
  );
  assert.equal(inboundPush(sns), false);
  assert.throws(
    () => loadConfig(env({ SES_FEEDBACK_TOPIC_ARNS: "arn:aws:sns:x:1:fb", SUPPRESS_SOFT_BOUNCES: "0" })),
    (e: ConfigError) =>
      e.problems.length === 2 &&
      /SES_FEEDBACK_TOPIC_ARNS: set SNS_LISTEN_ADDR too/.test(e.message) &&
      /SUPPRESS_SOFT_BOUNCES="0": expected a whole number from 1 to 1000/.test(e.message),
  );
});

Deno.test("/metrics has the suppression list's size by source, and the bounce and complaint counters", async () => {
  await using t = await testDb();
  for (
    const ses of [
      bounce({ messageId: "m", recipients: ["a@x.com"] }),
      complaint({ messageId: "m", recipients: ["b@x.com"] }),
    ]
  ) {
    await ingestFeedback(t.db, ses, { source: "file", rules: RULES });
  }
  const server = startHealthServer("127.0.0.1:0", { db: t.db, sources: [] });
  try {
    const text = await (await fetch(`http://127.0.0.1:${server.addr.port}/metrics`)).text();
    assert.match(text, /ses_daemon_bot_suppressed_addresses\{source="permanent_bounce"\} 1/);
    assert.match(text, /ses_daemon_bot_suppressed_addresses\{source="complaint"\} 1/);
    assert.match(text, /ses_daemon_bot_suppressed_addresses\{source="manual"\} 0/);
    assert.match(text, /ses_daemon_bot_bounces_total\{type="Permanent"\} \d+/);
    assert.match(text, /ses_daemon_bot_complaints_total \d+/);
  } finally {
    await server.shutdown();
  }
});
