import assert from "node:assert/strict";
import { getSuppression } from "../src/db/feedback.ts";
import { ingestFeedback } from "../src/feedback/ingest.ts";
import { runCli } from "./helpers/cli.ts";
import { Client, consoleFixture, emailId, question } from "./helpers/console.ts";
import { testDb } from "./helpers/db.ts";
import { complaint } from "./helpers/ses_feedback.ts";

const RULES = { softBounces: 3, softWindowMs: 14 * 86_400_000 };

Deno.test("suppressions lists, adds and removes addresses; usage errors say what to fix", async () => {
  await using t = await testDb();
  const empty = await runCli(["suppressions"], t.env);
  assert.equal(empty.code, 0, empty.stderr);
  assert.match(empty.stdout, /no suppressed addresses/);

  const add = await runCli(["suppressions", "add", " Carol@Example.COM ", "--note", "asked by phone"], t.env);
  assert.equal(add.code, 0, add.stderr);
  assert.match(add.stdout, /carol@example\.com: suppressed/);
  assert.match(
    (await runCli(["suppressions", "add", "carol@example.com"], t.env)).stdout,
    /already suppressed/,
  );
  const json = await runCli(["suppressions", "--json"], t.env);
  const [row] = json.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(row.address, "carol@example.com");
  assert.equal(row.source, "manual");
  assert.equal(row.note, "asked by phone");
  assert.match(row.reason, /^added by cli:/);
  const { rows: audit } = await t.db.query<{ action: string; detail: string }>(
    "SELECT action, detail FROM audit_log ORDER BY id",
  );
  assert.deepEqual(audit, [{ action: "suppress", detail: "carol@example.com" }]);

  const removed = await runCli(["suppressions", "remove", "carol@example.com"], t.env);
  assert.equal(removed.code, 0, removed.stderr);
  assert.match(removed.stdout, /removed from the suppression list \(was: added by cli:/);
  const again = await runCli(["suppressions", "remove", "carol@example.com"], t.env);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /not on the suppression list/);

  for (
    const [args, message] of [
      [["suppressions", "add"], /suppressions add needs one ADDRESS/],
      [
        ["suppressions", "add", "not-an-address"],
        /"not-an-address" is not an address like name@example\.com/,
      ],
      [["suppressions", "drop", "a@b.com"], /unknown argument "drop"/],
      [["suppressions", "remove", "a@b.com", "--note", "x"], /remove does not take --note/],
      [["status", "--note", "x"], /status does not take --note/],
    ] as const
  ) {
    const out = await runCli([...args], t.env);
    assert.equal(out.code, 2, `${args.join(" ")}: ${out.stderr}`);
    assert.match(out.stderr, message);
  }
});

Deno.test("the console lists suppressions, adds and removes them, and shows the reason on the email's page", async () => {
  await using f = await consoleFixture({ "q1.eml": question(1) });
  const id = await emailId(f.t, "<question-1@customer.example>");
  // As if SES had sent its reply: the id SendEmail returned is on the effect.
  const linked = await f.t.db.query(
    "UPDATE effects SET ses_message_id = '0100-x' WHERE email_id = $1 AND kind = 'reply'",
    [id],
  );
  assert.equal(linked.count, 1);
  await ingestFeedback(
    f.t.db,
    complaint({ messageId: "0100-x", recipients: ["anna1@customer.example"] }),
    { source: "file", rules: RULES },
  );
  const c = new Client(f.base);
  await c.login();
  const list = await c.page("/suppressions");
  assert.equal(list.status, 200);
  assert.match(list.html, /anna1@customer\.example/);
  assert.match(list.html, /complaint \(abuse\) about SES message 0100-x/);
  assert.match(list.html, /href="\/suppressions"/, "the navigation links the page");

  const email = await c.page(`/emails/${id}`);
  assert.match(email.html, /<h2>SES feedback<\/h2>/);
  assert.match(email.html, /complaint<div class="note">abuse<\/div>/);
  assert.match(email.html, /<dt>Suppressed<\/dt>/);
  assert.match(email.html, /is on the <a href="\/suppressions">suppression list<\/a> \(complaint/);

  const added = await c.act("/suppressions", "/suppressions/add", {
    address: "Dan@Example.org",
    note: "legal",
  });
  assert.equal(added.status, 303);
  assert.equal(added.headers.get("location"), "/suppressions?done=suppressed");
  assert.equal((await getSuppression(f.t.db, "dan@example.org"))?.note, "legal");
  const bad = await c.act("/suppressions", "/suppressions/add", { address: "<script>" });
  assert.equal(bad.status, 400);
  const removed = await c.act("/suppressions", "/suppressions/remove", { address: "anna1@customer.example" });
  assert.equal(removed.headers.get("location"), "/suppressions?done=unsuppressed");
  assert.equal(await getSuppression(f.t.db, "anna1@customer.example"), undefined);
  const noCsrf = await c.post("/suppressions/add", { address: "eve@example.org" });
  await noCsrf.body?.cancel();
  assert.equal(noCsrf.status, 403);
  assert.equal(await getSuppression(f.t.db, "eve@example.org"), undefined);
});
