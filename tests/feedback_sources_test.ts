import assert from "node:assert/strict";
import { join } from "node:path";
import { connectPostgres } from "../src/db/client.ts";
import { snsFeedbackHandler } from "../src/feedback/ingest.ts";
import { feedbackQueue, runFeedbackQueue } from "../src/feedback/sqs_feedback.ts";
import { createSqsClient } from "../src/mail/sqs_source.ts";
import { log } from "../src/log.ts";
import { startSnsIngest } from "../src/mail/sns_ingest.ts";
import { runCli } from "./helpers/cli.ts";
import { type TestDb, testDb } from "./helpers/db.ts";
import { fakeSqs } from "./helpers/fake_sqs.ts";
import { testS3 } from "./helpers/s3.ts";
import { bounce, complaint, delivery, inEnvelope, type Shape } from "./helpers/ses_feedback.ts";
import { certServer, sign } from "./helpers/sns.ts";

const RULES = { softBounces: 3, softWindowMs: 14 * 86_400_000 };
const FEEDBACK_TOPIC = "arn:aws:sns:eu-west-1:111122223333:ses-feedback";
const INBOUND_TOPIC = "arn:aws:sns:eu-west-1:111122223333:ses-inbound";

/** One notification of each kind in `shape`, each to its own address (`<kind>-<shape>@example.com`). */
function everyKind(shape: Shape) {
  return [
    bounce({ shape, messageId: `m-b-${shape}`, recipients: [`bounce-${shape}@example.com`] }),
    complaint({ shape, messageId: `m-c-${shape}`, recipients: [`complaint-${shape}@example.com`] }),
    delivery({ shape, messageId: `m-d-${shape}`, recipients: [`delivery-${shape}@example.com`] }),
  ];
}

async function rows(t: TestDb) {
  const feedback = await t.db.query<{ kind: string; recipient: string; source: string }>(
    "SELECT kind, recipient, source FROM feedback ORDER BY recipient",
  );
  const suppressed = await t.db.query<{ address: string; source: string }>(
    "SELECT address, source FROM suppressions ORDER BY address",
  );
  return { feedback: feedback.rows, suppressed: suppressed.rows };
}

const SUPPRESSED = [
  { address: "bounce-event@example.com", source: "permanent_bounce" },
  { address: "bounce-identity@example.com", source: "permanent_bounce" },
  { address: "complaint-event@example.com", source: "complaint" },
  { address: "complaint-identity@example.com", source: "complaint" },
];

Deno.test("the daemon reads every shape of feedback from the SQS queue, drops repeats, deletes what it read", async () => {
  await using t = await testDb();
  await using sqs = fakeSqs();
  const ses = [...everyKind("identity"), ...everyKind("event")];
  // Enveloped (SNS → SQS) and raw (raw message delivery) alike; each enveloped one twice, as SQS may.
  for (const [i, n] of ses.entries()) {
    const text = JSON.stringify(i % 2 === 0 ? inEnvelope(n) : n);
    sqs.send(text);
    sqs.send(text);
  }
  const withUnknown = bounce({
    messageId: "m-x",
    recipients: ["future@example.com"],
    bounceType: "Transient",
    subType: "MailboxFull",
    extra: { someFieldSesAddsNextYear: { a: [1] } },
  });
  sqs.send(JSON.stringify(inEnvelope(withUnknown)));
  sqs.send(JSON.stringify(inEnvelope({ eventType: "Open", mail: { messageId: "m-o" }, open: {} })));
  sqs.send("this is not a notification");

  const inbox = await Deno.makeTempDir();
  const out = await runCli(["run", "--once"], {
    ...t.env,
    INBOX_DIR: inbox,
    SES_FEEDBACK_QUEUE_URL: sqs.queueUrl,
    SQS_ENDPOINT: sqs.endpoint,
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_REGION: "eu-west-1",
  });
  assert.equal(out.code, 0, out.stderr + out.stdout);
  const r = await rows(t);
  assert.equal(r.feedback.length, 7, "six kinds and shapes, and the soft bounce; repeats dropped");
  assert.ok(r.feedback.every((f) => f.source === "sqs"));
  assert.deepEqual(r.suppressed, SUPPRESSED, "a single Transient bounce suppresses nothing");
  assert.deepEqual(sqs.remaining(), [], "every message deleted (the bad one too: SQS_BAD_MESSAGES=delete)");
  assert.match(out.stdout, /not usable/);
});

Deno.test("the SNS endpoint reads signed feedback of its feedback topics, and still refuses other topics", async () => {
  await using t = await testDb();
  await using s3 = await testS3();
  await using certs = certServer();
  await using sns = startSnsIngest(t.db, s3.client, {
    addr: "127.0.0.1:0",
    topicArns: [INBOUND_TOPIC],
    feedbackTopicArns: [FEEDBACK_TOPIC],
    onFeedback: snsFeedbackHandler(t.db, { rules: RULES, log: log("test") }),
    region: "us-east-1",
    s3Endpoint: s3.endpoint,
    sesPrefix: "inbound/",
    processedPrefix: "processed/",
    afterIngest: "move",
    maxMessageBytes: 1e8,
    jobMaxAttempts: 3,
    verify: certs.verify,
  });
  const post = async (ses: unknown, topic = FEEDBACK_TOPIC, tamper = false) => {
    const e = inEnvelope(ses, topic);
    const signed = sign({
      Type: e.Type,
      MessageId: e.MessageId,
      TopicArn: e.TopicArn,
      Message: e.Message,
      Timestamp: e.Timestamp,
    }, { certUrl: certs.certUrl });
    if (tamper) signed.Message = signed.Message.replace("example.com", "example.net");
    const res = await fetch(`http://127.0.0.1:${sns.addr.port}/`, {
      method: "POST",
      body: JSON.stringify(signed),
    });
    await res.body?.cancel();
    return res.status;
  };
  for (const n of [...everyKind("identity"), ...everyKind("event")]) {
    assert.equal(await post(n), 200);
    assert.equal(await post(n), 200, "a retried notification is harmless");
  }
  assert.equal(
    await post(bounce({ messageId: "m", recipients: ["x@example.com"] }), "arn:aws:sns:eu-west-1:1:other"),
    403,
  );
  assert.equal(
    await post(bounce({ messageId: "m", recipients: ["y@example.com"] }), FEEDBACK_TOPIC, true),
    403,
  );
  const r = await rows(t);
  assert.equal(r.feedback.length, 6);
  assert.ok(r.feedback.every((f) => f.source === "sns"));
  assert.deepEqual(r.suppressed, SUPPRESSED);
  const raw = await fetch(`http://127.0.0.1:${sns.addr.port}/`, {
    method: "POST",
    body: JSON.stringify(complaint({ shape: "event", messageId: "m", recipients: ["z@example.com"] })),
  });
  await raw.body?.cancel();
  assert.equal(raw.status, 403, "raw (unsigned) delivery is refused over HTTPS");
});

Deno.test("feedback FILE… imports saved notifications: envelopes, bare JSON, arrays and JSON lines", async () => {
  await using t = await testDb();
  const dir = await Deno.makeTempDir();
  const [b, c, d] = everyKind("identity");
  const [eb, ec, ed] = everyKind("event");
  await Deno.writeTextFile(join(dir, "one.json"), JSON.stringify(inEnvelope(b)));
  await Deno.writeTextFile(join(dir, "array.json"), JSON.stringify([c, inEnvelope(d)]));
  await Deno.writeTextFile(
    join(dir, "lines.jsonl"),
    [eb, inEnvelope(ec), ed].map((x) => JSON.stringify(x)).join("\n") + "\n",
  );
  const files = ["one.json", "array.json", "lines.jsonl"].map((f) => join(dir, f));
  const first = await runCli(["feedback", ...files], t.env);
  assert.equal(first.code, 0, first.stderr);
  assert.match(
    first.stdout,
    /feedback: 6 stored, 0 repeats, 4 newly suppressed, 0 without feedback, 0 not usable/,
  );
  const again = await runCli(["feedback", ...files], t.env);
  assert.match(again.stdout, /feedback: 0 stored, 6 repeats, 0 newly suppressed/);
  const r = await rows(t);
  assert.equal(r.feedback.length, 6);
  assert.deepEqual(r.suppressed, SUPPRESSED);

  await Deno.writeTextFile(join(dir, "bad.jsonl"), `${JSON.stringify(b)}\n{"not":"ses"}\n`);
  const bad = await runCli(["feedback", join(dir, "bad.jsonl")], t.env);
  assert.equal(bad.code, 1);
  assert.match(
    bad.stderr,
    /bad\.jsonl: Cannot read SES feedback notification: neither notificationType nor eventType/,
  );
  const missing = await runCli(["feedback", join(dir, "nope.json")], t.env);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /feedback: .*nope\.json does not exist/);
});

Deno.test("while the database is down the feedback queue is not read: receipts do not count towards the DLQ", async () => {
  await using sqs = fakeSqs({ visibilityMs: 100 });
  sqs.send(JSON.stringify(inEnvelope(bounce({ messageId: "m", recipients: ["a@example.com"] }))));
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = closed.addr.port;
  closed.close();
  const db = connectPostgres(`postgres://postgres@127.0.0.1:${port}/test`, { max: 1 });
  const queue = feedbackQueue(
    db,
    createSqsClient({
      region: "eu-west-1",
      sqsEndpoint: sqs.endpoint,
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    }),
    { queueUrl: sqs.queueUrl, rules: RULES, badMessages: "keep", waitSeconds: 0 },
  );
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), 1_500);
  try {
    await runFeedbackQueue(queue, { db, signal: stop.signal, log: log("test") });
  } finally {
    clearTimeout(timer);
    await db.close();
  }
  assert.equal(sqs.receives, 0);
  assert.deepEqual(sqs.remaining().map((m) => m.receipts), [0]);
});
