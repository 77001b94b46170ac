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
