import assert from "node:assert/strict";
import { join } from "node:path";
import { startSnsIngest } from "../src/mail/sns_ingest.ts";
import { CORPUS_DIR, corpusFiles } from "./helpers/corpus.ts";
import { testDb } from "./helpers/db.ts";
import { sesNotification } from "./helpers/fake_sqs.ts";
import { count } from "./helpers/ingest.ts";
import { testS3 } from "./helpers/s3.ts";
import { certServer, sign } from "./helpers/sns.ts";

const TOPIC = "arn:aws:sns:us-east-1:000000000000:ses-inbound";

Deno.test("a signed SNS notification is stored before the endpoint answers 200; bad ones are recorded", async () => {
  await using t = await testDb();
  await using s3 = await testS3();
  await using certs = certServer();
  await s3.put("inbound/obj1", await Deno.readFile(join(CORPUS_DIR, corpusFiles()[0])));
  await using sns = startSnsIngest(t.db, s3.client, {
    addr: "127.0.0.1:0",
    topicArns: [TOPIC],
    region: "us-east-1",
    s3Endpoint: s3.endpoint,
    sesPrefix: "inbound/",
    processedPrefix: "processed/",
    afterIngest: "move",
    maxMessageBytes: 1e8,
    jobMaxAttempts: 3,
    verify: certs.verify,
  });
  const post = async (fields: Record<string, string>, version: "1" | "2" = "2") => {
    const body = JSON.stringify(sign(fields, { version, certUrl: certs.certUrl }));
    const res = await fetch(`http://127.0.0.1:${sns.addr.port}/`, { method: "POST", body });
    await res.body?.cancel();
    return res.status;
  };
  const envelope = (key: string) => {
    const e = JSON.parse(sesNotification(s3.bucket, key));
    return {
      Type: "Notification",
      MessageId: crypto.randomUUID(),
      TopicArn: TOPIC,
      Subject: e.Subject,
      Message: e.Message,
      Timestamp: new Date().toISOString(),
    };
  };

  const first = envelope("inbound/obj1");
  assert.equal(await post(first, "1"), 200);
  assert.equal(await count(t.db, "raw_messages"), 1, "committed before the 200");
  assert.equal(await post(first, "2"), 200, "a retried notification is harmless");
  assert.equal(await count(t.db, "raw_messages"), 1);
  assert.deepEqual(await s3.keys("inbound/"), []);

  assert.equal(
    await post(envelope("inbound/missing")),
    200,
    "a missing object is recorded, not retried forever",
  );
  assert.equal(await post({ ...first, MessageId: "x1", Message: "not an SES notification" }), 200);
  const { rows } = await t.db.query<{ source: string; reason: string }>(
    "SELECT source, reason FROM source_errors",
  );
  assert.equal(rows.length, 2);
  assert.ok(rows.every((r) => r.source === "sns"));
  assert.ok(rows.some((r) => /does not exist/.test(r.reason)));

  const tampered = sign(envelope("inbound/obj1"), { certUrl: certs.certUrl });
  tampered.Message = tampered.Message.replace("obj1", "obj2");
  const res = await fetch(`http://127.0.0.1:${sns.addr.port}/`, {
    method: "POST",
    body: JSON.stringify(tampered),
  });
  await res.body?.cancel();
  assert.equal(res.status, 403);
  assert.equal(await post({ ...envelope("inbound/obj1"), TopicArn: "arn:aws:sns:us-east-1:1:other" }), 403);
});
