import assert from "node:assert/strict";
import { join } from "node:path";
import { CORPUS_DIR, corpusFiles } from "./helpers/corpus.ts";
import { startDaemon } from "./helpers/daemon.ts";
import { TEST_DATABASE_URL, testDb } from "./helpers/db.ts";
import { fakeSqs, sesNotification } from "./helpers/fake_sqs.ts";
import { count } from "./helpers/ingest.ts";
import { testS3 } from "./helpers/s3.ts";
import { tcpProxy } from "./helpers/tcp_proxy.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("while PostgreSQL is down the SQS loop stops receiving, so nothing reaches the dead-letter queue", async () => {
  await using t = await testDb();
  await using s3 = await testS3();
  // 100 ms visibility: a message received and not deleted is visible again almost at once, as in the issue.
  await using sqs = fakeSqs({ visibilityMs: 100 });
  const target = new URL(TEST_DATABASE_URL);
  await using proxy = tcpProxy({ hostname: target.hostname, port: Number(target.port || 5432) });
  const url = new URL(TEST_DATABASE_URL);
  url.port = String(proxy.port);
  const daemon = startDaemon({
    ...t.env,
    DATABASE_URL: url.href,
    SQS_QUEUE_URL: sqs.queueUrl,
    SQS_ENDPOINT: sqs.endpoint,
    S3_ENDPOINT: s3.endpoint,
    SES_BUCKET: s3.bucket,
    SES_PREFIX: "inbound/",
    AWS_ACCESS_KEY_ID: "S3RVER",
    AWS_SECRET_ACCESS_KEY: "S3RVER",
    METRICS_ADDR: "",
  });
  try {
    await daemon.waitFor(/^Starting/);
    proxy.cut();
    await s3.put("inbound/k1", await Deno.readFile(join(CORPUS_DIR, corpusFiles()[0])));
    sqs.send(sesNotification(s3.bucket, "inbound/k1"));
    const before = sqs.receives;
    const downMs = 3000;
    await sleep(downMs);
    const receives = sqs.receives - before;
    const [message] = sqs.remaining();
    console.log(
      `database down ${downMs} ms: ${receives} receives, the message received ${message.receipts}×`,
    );
    // Unfixed: ~10 receives a second, each one a receipt of the message (a redrive policy's maxReceiveCount
    // of 5 moved it to the dead-letter queue in half a second). At most the receive already in flight when the
    // database went away may take the message.
    assert.ok(message.receipts <= 2, `received ${message.receipts}× while the database was down`);
    assert.ok(receives <= 3, `${receives} receives in ${downMs} ms while the database was down`);

    const t0 = Date.now();
    proxy.restore();
    await daemon.waitFor(/^Stored email/);
    for (let i = 0; i < 100 && sqs.remaining().length > 0; i++) await sleep(100);
    assert.deepEqual(sqs.remaining(), [], "deleted after the commit, once the database was back");
    assert.equal(await count(t.db, "raw_messages"), 1);
    console.log(`stored and deleted ${Date.now() - t0} ms after the database came back`);
  } finally {
    daemon.child.kill("SIGTERM");
    await daemon.exited;
  }
});
