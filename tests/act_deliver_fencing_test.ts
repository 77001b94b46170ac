import assert from "node:assert/strict";
import { deliverJobHandler } from "../src/act/deliver_job.ts";
import { fileTransport } from "../src/act/file_transport.ts";
import type { MailTransport } from "../src/act/transport.ts";
import type { Db } from "../src/db/client.ts";
import { type ClaimedJob, claimJobs, rescueExpiredJobs } from "../src/db/jobs.ts";
import { log } from "../src/log.ts";
import { testDb } from "./helpers/db.ts";
import { fakeSes, sesFor } from "./helpers/fake_ses.ts";
import { pendingReplies } from "./helpers/outbox.ts";

/** Runs the deliver handler for one claim of the job, as the worker would. */
async function deliver(db: Db, mail: MailTransport, job: ClaimedJob, workerId = "w") {
  const handler = deliverJobHandler({
    mail,
    webhooks: fileTransport(await Deno.makeTempDir()),
    webhookUrls: {},
    sendRatePerSecond: 1000,
  });
  return await handler({ job, workerId, db, log: log("test"), signal: new AbortController().signal });
}

/** Claims the (only) deliver job, then lets its lease lapse and claims it again: two claims of one process. */
async function twoClaims(db: Db): Promise<[ClaimedJob, ClaimedJob]> {
  const [stale] = await claimJobs(db, { workerId: "w", limit: 1, leaseMs: 1000, kinds: ["deliver"] });
  const later = new Date(Date.now() + 60_000); // the rescue sets run_at to its `now`
  await rescueExpiredJobs(db, { now: later });
  const [current] = await claimJobs(db, {
    workerId: "w",
    limit: 1,
    leaseMs: 60_000,
    kinds: ["deliver"],
    now: later,
  });
  assert.equal(stale.id, current.id);
  assert.deepEqual([stale.attempts, current.attempts], [1, 2]);
  return [stale, current];
}

const effect = async (db: Db, id: number) =>
  (await db.query<{ state: string; last_error: string | null }>(
    "SELECT state, last_error FROM effects WHERE id = $1",
    [id],
  )).rows[0];

Deno.test("a stale run of a deliver job sends nothing; the current claim sends once", async () => {
  await using t = await testDb();
  const [id] = await pendingReplies(t.db, 1);
  await using ses = fakeSes();
  using mail = sesFor(ses.endpoint);
  const [stale, current] = await twoClaims(t.db);

  await deliver(t.db, mail, stale);
  assert.equal(ses.requests.length, 0, "the stale run did not send");
  assert.equal((await effect(t.db, id)).state, "pending");

  await deliver(t.db, mail, current);
  assert.equal(ses.requests.length, 1);
  assert.equal((await effect(t.db, id)).state, "delivered");
});

Deno.test("a run that finds a reply being sent by another run does not send it again: the outcome is ambiguous", async () => {
  await using t = await testDb();
  const [id] = await pendingReplies(t.db, 1);
  await using ses = fakeSes("hang");
  using mail = sesFor(ses.endpoint, 60_000);
  const [first] = await claimJobs(t.db, { workerId: "a", limit: 1, leaseMs: 1000, kinds: ["deliver"] });
  const running = deliver(t.db, mail, first, "a").catch((e) => e);
  while (ses.requests.length === 0) await new Promise((r) => setTimeout(r, 20));
  // The first run's lease lapses while its request hangs; another worker claims the job.
  const later = new Date(Date.now() + 60_000);
  await rescueExpiredJobs(t.db, { now: later });
  const [second] = await claimJobs(t.db, {
    workerId: "b",
    limit: 1,
    leaseMs: 60_000,
    kinds: ["deliver"],
    now: later,
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outcome = await Promise.race([
    deliver(t.db, mail, second, "b"),
    new Promise((r) => timer = setTimeout(() => r("still sending after 10 s"), 10_000)),
  ]);
  clearTimeout(timer);
  assert.equal(ses.requests.length, 1, "no second request");
  assert.deepEqual(outcome, { type: "done" });
  const after = await effect(t.db, id);
  assert.equal(after.state, "failed");
  assert.match(after.last_error ?? "", /^ambiguous: the request may have been sent/);
  ses.mode = "ok";
  mail.close?.(); // the hung request ends
  await running;
});

Deno.test("a webhook marked by another run is taken over only once that run's request has surely ended", async () => {
  await using t = await testDb();
  const [replyId] = await pendingReplies(t.db, 1);
  const { rows: [{ id }] } = await t.db.query<{ id: number }>(
    `INSERT INTO effects (email_id, kind, purpose, idempotency_key, payload, sending_token, sending_at)
     SELECT email_id, 'webhook', 'crm_task', 'email:' || email_id || ':crm_task',
            '{"target": "crm", "body": {"text": "hello"}}', 'another-run', now()
     FROM effects WHERE id = $1
     RETURNING id`,
    [replyId],
  );
  await t.db.query("DELETE FROM jobs WHERE kind = 'deliver'"); // only the webhook's job
  await t.db.query(
    `INSERT INTO jobs (kind, unique_key, payload, max_attempts) VALUES ('deliver', 'deliver:effect:' || $1, jsonb_build_object('effect_id', $1::bigint), 5)`,
    [id],
  );
  const outbox = await Deno.makeTempDir();
  const files = fileTransport(outbox);
  const handler = deliverJobHandler({
    mail: files,
    webhooks: files,
    webhookUrls: {},
    sendRatePerSecond: 1000,
    webhookTimeoutMs: 1_000,
  });
  const run = async () => {
    const [job] = await claimJobs(t.db, { workerId: "w", limit: 1, leaseMs: 60_000, kinds: ["deliver"] });
    assert.equal(Number(job.payload.effect_id), Number(id));
    const outcome = await handler({
      job,
      workerId: "w",
      db: t.db,
      log: log("test"),
      signal: new AbortController().signal,
    });
    await t.db.query(
      "UPDATE jobs SET state = 'pending', locked_by = NULL, locked_until = NULL, run_at = now() WHERE id = $1",
      [job.id],
    );
    return outcome;
  };
  const json = async () => {
    const names = [];
    for await (const e of Deno.readDir(outbox)) if (e.name.endsWith(".json")) names.push(e.name);
    return names.length;
  };

  const first = await run();
  assert.equal(first?.type, "snooze", "the other run's request may still be in flight");
  assert.equal(await json(), 0);
  await t.db.query("UPDATE effects SET sending_at = now() - interval '3 seconds' WHERE id = $1", [id]);
  assert.deepEqual(await run(), { type: "done" });
  assert.equal(await json(), 1);
  assert.equal((await effect(t.db, id)).state, "delivered");
});
