import assert from "node:assert/strict";
import { deliverJobHandler } from "../src/act/deliver_job.ts";
import { fileTransport } from "../src/act/file_transport.ts";
import { DELIVER_JOB } from "../src/act/route_job.ts";
import { retryEffects } from "../src/cli/effects.ts";
import { claimJobs, completeJobs } from "../src/db/jobs.ts";
import { Worker } from "../src/jobs/worker.ts";
import { testDb } from "./helpers/db.ts";
import { pendingReplies } from "./helpers/outbox.ts";

Deno.test("effects retry while the deliver job's completion is not yet written still leaves a runnable job", async () => {
  await using t = await testDb();
  const [id] = await pendingReplies(t.db, 1);
  // A run failed the effect for good and returned done; its batched completion is not written yet.
  const [job] = await claimJobs(t.db, { workerId: "w", limit: 1, leaseMs: 60_000, kinds: [DELIVER_JOB] });
  await t.db.query("UPDATE effects SET state = 'failed', last_error = 'SES rejected it' WHERE id = $1", [id]);

  assert.deepEqual(await retryEffects(t.db, { ids: [id], all: false }), [id]);
  await completeJobs(t.db, { jobs: [job], workerId: "w" }); // the late completion

  const { rows } = await t.db.query<{ state: string }>("SELECT state FROM jobs WHERE unique_key = $1", [
    `${DELIVER_JOB}:effect:${id}`,
  ]);
  assert.deepEqual(rows, [{ state: "pending" }], "a runnable deliver job");
  const outbox = await Deno.makeTempDir();
  const files = fileTransport(outbox);
  const worker = new Worker(t.db, {
    [DELIVER_JOB]: deliverJobHandler({
      mail: files,
      webhooks: files,
      webhookUrls: {},
      sendRatePerSecond: 1000,
    }),
  }, { workerId: "again", concurrency: 1, leaseMs: 30_000, pollMs: 50 });
  await worker.drain();
  const effect = await t.db.query<{ state: string }>("SELECT state FROM effects WHERE id = $1", [id]);
  assert.equal(effect.rows[0].state, "delivered", "the retried effect went out");
});

Deno.test("effects retry of an effect whose deliver job is missing queues a new one", async () => {
  await using t = await testDb();
  const [id] = await pendingReplies(t.db, 1);
  await t.db.query("UPDATE effects SET state = 'failed' WHERE id = $1", [id]);
  await t.db.query("DELETE FROM jobs WHERE kind = $1", [DELIVER_JOB]);
  assert.deepEqual(await retryEffects(t.db, { ids: [id], all: false }), [id]);
  const { rows } = await t.db.query<{ state: string; payload: unknown }>(
    "SELECT state, payload FROM jobs WHERE kind = $1",
    [DELIVER_JOB],
  );
  assert.deepEqual(rows, [{ state: "pending", payload: { effect_id: id } }]);
});
