import assert from "node:assert/strict";
import { join } from "node:path";
import { deliverJobHandler } from "../src/act/deliver_job.ts";
import { fileTransport } from "../src/act/file_transport.ts";
import { DELIVER_JOB } from "../src/act/route_job.ts";
import { jobHandlers } from "../src/app.ts";
import { loadConfig } from "../src/config.ts";
import type { Db } from "../src/db/client.ts";
import { ingestFeedback } from "../src/feedback/ingest.ts";
import { suppressAddress } from "../src/feedback/suppressions.ts";
import type { JobHandler } from "../src/jobs/types.ts";
import { Worker } from "../src/jobs/worker.ts";
import { folderSource } from "../src/mail/folder_source.ts";
import { pollSource } from "../src/mail/ingest.ts";
import { renderMetrics } from "../src/metrics.ts";
import { testDb } from "./helpers/db.ts";
import { fakeSes, sesFor } from "./helpers/fake_ses.ts";
import { bounce, inEnvelope } from "./helpers/ses_feedback.ts";

const RULES = { softBounces: 3, softWindowMs: 14 * 86_400_000 };
const HUMAN = "support@frflashy.com";

/** A pricing question (the offline classifier answers it with send_info). */
function question(from: string, n: number): string {
  return [
    `From: Anna <${from}>`,
    "To: hello@frflashy.com",
    `Subject: ${["Pricing", "Annual plan", "Discounts"][n]} question`,
    `Message-ID: <q${n}-${crypto.randomUUID()}@customer.example>`,
    "Date: Wed, 25 Nov 2026 09:00:00 +0000",
    "Content-Type: text/plain; charset=utf-8",
    "",
    "Hello, could you send me information about your pricing and plans? How much does it cost per month?",
    "Thanks, Anna",
    "",
  ].join("\r\n");
}

/**
 * Ingests one email and runs every stage, sending through the real SES SDK against the fake; `beforeSend`
 * runs before each deliver job (to change the world between routing and sending).
 */
async function pipeline(
  db: Db,
  text: string,
  mail: ReturnType<typeof sesFor>,
  beforeSend?: () => Promise<void>,
): Promise<number> {
  const inbox = await Deno.makeTempDir();
  await Deno.writeTextFile(join(inbox, "m.eml"), text);
  await pollSource(db, folderSource(inbox), { maxMessageBytes: 1 << 20, jobMaxAttempts: 3, concurrency: 1 });
  const env: Record<string, string> = {
    OUTBOX_DIR: await Deno.makeTempDir(),
    SEND_RATE: "1000",
    HUMAN_EMAIL: HUMAN,
    AUTO_REPLY_WINDOW: "0",
  };
  const config = loadConfig((name) => env[name]);
  const deliver = deliverJobHandler({
    mail,
    webhooks: fileTransport(env.OUTBOX_DIR),
    webhookUrls: {},
    sendRatePerSecond: 1000,
  });
  const handlers: Record<string, JobHandler> = {
    ...await jobHandlers(config),
    [DELIVER_JOB]: async (ctx) => {
      await beforeSend?.();
      return await deliver(ctx);
    },
  };
  await new Worker(db, handlers, { workerId: "test", concurrency: 2, leaseMs: 30_000, pollMs: 50 }).drain();
  const { rows } = await db.query<{ id: number }>("SELECT max(id)::int AS id FROM emails");
  return rows[0].id;
}

async function effectsOf(db: Db, emailId: number) {
  const { rows } = await db.query<
    { kind: string; purpose: string; state: string; last_error: string | null; ses_message_id: string | null }
  >(
    "SELECT kind, purpose, state, last_error, ses_message_id FROM effects WHERE email_id = $1 ORDER BY id",
    [emailId],
  );
  return rows;
}

Deno.test("a bounced address gets no further reply: it is withheld with the reason and the mail goes to a person", async () => {
  await using t = await testDb();
  await using ses = fakeSes();
  using mail = sesFor(ses.endpoint);
  const anna = "anna@customer.example";

  // 1. The first question is answered; SendEmail's MessageId is stored on the reply.
  const first = await pipeline(t.db, question(anna, 0), mail);
  const [reply] = await effectsOf(t.db, first);
  assert.equal(reply.state, "delivered");
  assert.equal(reply.ses_message_id, "0100-test-1");
  assert.deepEqual(ses.requests.map((r) => r.to), [[anna]]);

  // 2. SES reports a Permanent bounce of that reply: it links to our effect and suppresses Anna.
  const s = await ingestFeedback(
    t.db,
    inEnvelope(
      bounce({ messageId: "0100-test-1", recipients: ["Anna@Customer.example"], subType: "NoEmail" }),
    ),
    { source: "sqs", rules: RULES },
  );
  assert.equal(s.suppressed, 1);
  const { rows: link } = await t.db.query<{ purpose: string }>(
    "SELECT f.purpose FROM feedback b JOIN effects f ON f.id = b.effect_id",
  );
  assert.deepEqual(link, [{ purpose: "send_info_reply" }]);

  // 3. Her next question gets no reply; a person gets it, with the reason.
  const second = await pipeline(t.db, question(anna, 1), mail);
  const effects = await effectsOf(t.db, second);
  const withheld = effects.find((f) => f.kind === "reply");
  assert.equal(withheld?.state, "suppressed");
  assert.match(
    withheld!.last_error!,
    /recipient anna@customer\.example is on the suppression list: Permanent bounce \(NoEmail\)/,
  );
  const forward = effects.find((f) => f.kind === "forward");
  assert.equal(forward?.state, "delivered");
  assert.deepEqual(ses.requests.map((r) => r.to), [[anna], [HUMAN]], "nothing more went to Anna");
  const { rows: email } = await t.db.query<{ disposition: string }>(
    "SELECT disposition FROM emails WHERE id = $1",
    [second],
  );
  assert.equal(email[0].disposition, "with_person");
  assert.match(
    renderMetrics(),
    /ses_daemon_bot_auto_replies_suppressed_total\{reason="suppression_list"\} 1/,
  );
  assert.match(renderMetrics(), /ses_daemon_bot_bounces_total\{type="Permanent"\} 1/);
});

Deno.test("an address suppressed after routing is checked again right before sending", async () => {
  await using t = await testDb();
  await using ses = fakeSes();
  using mail = sesFor(ses.endpoint);
  const bob = "bob@customer.example";
  let once = false;
  const id = await pipeline(t.db, question(bob, 2), mail, async () => {
    if (once) return;
    once = true;
    await suppressAddress(t.db, { address: bob, actor: "test", note: "asked us to stop" });
  });
  const effects = await effectsOf(t.db, id);
  const reply = effects.find((f) => f.kind === "reply");
  assert.equal(reply?.state, "suppressed");
  assert.match(reply!.last_error!, /on the suppression list: added by test/);
  assert.equal(effects.find((f) => f.kind === "forward")?.state, "delivered", "its hand-off went instead");
  assert.deepEqual(ses.requests.map((r) => r.to), [[HUMAN]]);
});
