import assert from "node:assert/strict";
import { deliverJobHandler } from "../src/act/deliver_job.ts";
import { fileTransport } from "../src/act/file_transport.ts";
import { DeliveryError } from "../src/act/transport.ts";
import { listEffects } from "../src/db/effects.ts";
import { claimJobs } from "../src/db/jobs.ts";
import { log } from "../src/log.ts";
import { testDb } from "./helpers/db.ts";
import { fakeSes, type FakeSesMode, sesFor } from "./helpers/fake_ses.ts";
import { pendingReplies } from "./helpers/outbox.ts";

const envelope = { from: "hello@frflashy.com", to: ["jane@example.org"] };
const raw = new TextEncoder().encode("From: hello@frflashy.com\r\nTo: jane@example.org\r\n\r\nHello\r\n");

/** Sends once against a fake in `mode`; gives up waiting after 5 s (the SDK may never settle). */
async function sendAgainst(mode: FakeSesMode | "closed", timeoutMs: number) {
  await using ses = fakeSes(mode === "closed" ? "ok" : mode);
  let endpoint = ses.endpoint;
  if (mode === "closed") {
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    endpoint = `http://127.0.0.1:${l.addr.port}`;
    l.close();
  }
  using mail = sesFor(endpoint, timeoutMs);
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const result = await Promise.race([
    mail.send("reply:1", raw, envelope).then(() => "sent", (e) => e),
    new Promise((r) => timer = setTimeout(() => r("no outcome after 5 s"), 5_000)),
  ]);
  clearTimeout(timer);
  return { result, ms: performance.now() - started, requests: ses.requests.length };
}

Deno.test("an SES request without an answer fails at its timeout, as ambiguous", async () => {
  const { result, ms, requests } = await sendAgainst("hang", 500);
  assert.ok(result instanceof DeliveryError, String(result));
  assert.equal(result.ambiguous, true);
  assert.equal(result.permanent, false);
  assert.ok(ms < 4_000, `settled after ${Math.round(ms)} ms with a 500 ms timeout`);
  assert.equal(requests, 1);
});

Deno.test("a connection cut after SES read the request is ambiguous; no connection at all is not", async () => {
  const cut = await sendAgainst("cut", 5_000);
  assert.ok(cut.result instanceof DeliveryError, String(cut.result));
  assert.equal(cut.requests, 1, "the request was read");
  assert.equal(cut.result.ambiguous, true, cut.result.message);

  const refused = await sendAgainst("closed", 5_000);
  assert.ok(refused.result instanceof DeliveryError, String(refused.result));
  assert.equal(refused.result.ambiguous, false, refused.result.message);
  assert.equal(refused.result.permanent, false, "retried: nothing reached SES");
});

Deno.test("a reply whose send is ambiguous is failed with that reason, not retried, and listed for a person", async () => {
  await using t = await testDb();
  const [id] = await pendingReplies(t.db, 1);
  await using ses = fakeSes("hang");
  using mail = sesFor(ses.endpoint, 500);
  const handler = deliverJobHandler({
    mail,
    webhooks: fileTransport(await Deno.makeTempDir()),
    webhookUrls: {},
    sendRatePerSecond: 1000,
  });
  const [job] = await claimJobs(t.db, { workerId: "w", limit: 1, leaseMs: 60_000, kinds: ["deliver"] });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outcome = await Promise.race([
    handler({ job, workerId: "w", db: t.db, log: log("test"), signal: new AbortController().signal }),
    new Promise((r) => timer = setTimeout(() => r("no outcome after 5 s"), 5_000)),
  ]);
  clearTimeout(timer);
  assert.deepEqual(outcome, { type: "done" }, "not retried: a retry could send it twice");
  assert.equal(ses.requests.length, 1);
  const [listed] = await listEffects(t.db, { state: "failed", limit: 10 });
  assert.equal(listed?.id, id);
  assert.match(listed.last_error ?? "", /^ambiguous: the request may have been sent/);
  // Whether it went or not, a person looks: the reply's fallback hand-off is on its way (issue 15).
  const handoff = await t.db.query<{ purpose: string; state: string }>(
    `SELECT h.purpose, h.state FROM effects f JOIN effects h ON h.email_id = f.email_id AND h.id <> f.id
     WHERE f.id = $1 ORDER BY h.purpose`,
    [id],
  );
  assert.deepEqual(handoff.rows, [{ purpose: "withheld", state: "pending" }]);
});
