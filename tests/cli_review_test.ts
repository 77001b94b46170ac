import assert from "node:assert/strict";
import { runCli } from "./helpers/cli.ts";
import { consoleFixture, emailId, HOSTILE, question } from "./helpers/console.ts";

Deno.test("correct, handled and release on the command line act as the console does, audited as cli:<user>", async () => {
  await using f = await consoleFixture({
    "q1.eml": question(1),
    "q2.eml": question(2, "anna1@customer.example"),
    "h.eml": HOSTILE,
  });
  const env = { ...f.t.env, ...f.env };
  const id = await emailId(f.t, "<hostile-1@evil.example>");
  const corrected = await runCli(["correct", String(id), "unknown", "--note", "not a call"], env);
  assert.equal(corrected.code, 0, corrected.stderr);
  assert.match(
    corrected.stdout,
    new RegExp(`email ${id}: speak_to_human → unknown; routed: triage\\.c1 \\(pending\\)`),
  );
  const handled = await runCli(["handled", String(id)], env);
  assert.equal(handled.code, 0, handled.stderr);
  assert.equal(
    (await runCli(["handled", String(id)], env)).stdout.trim(),
    `email ${id}: was handled already`,
  );
  const { rows: [withheld] } = await f.t.db.query<{ id: number }>(
    "SELECT id FROM effects WHERE kind = 'reply' AND state = 'suppressed' AND purpose = 'send_info_reply'",
  );
  const released = await runCli(["release", String(withheld.id)], env);
  assert.equal(released.code, 0, released.stderr);
  const refused = await runCli(["release", String(withheld.id)], env);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /cannot be released/);
  const { rows } = await f.t.db.query<{ actor: string; action: string; note: string | null }>(
    "SELECT actor, action, note FROM audit_log ORDER BY id",
  );
  assert.deepEqual(rows.map((r) => r.action), ["correct", "handled", "release"]);
  assert.ok(rows.every((r) => r.actor.startsWith("cli:")));
  assert.equal(rows[0].note, "not a call");
  const bad = await runCli(["correct", String(id), "maybe"], env);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /"maybe" is not an intent/);
});

Deno.test("console alone needs PostgreSQL: without DATABASE_URL it says so and exits 2", async () => {
  const r = await runCli(["console"], { CONSOLE_ADDR: "127.0.0.1:0" });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /console needs DATABASE_URL/);
});

Deno.test("handled takes several ids; a usage mistake says what to type and exits 2 before any change", async () => {
  await using f = await consoleFixture({ "q1.eml": question(1), "h.eml": HOSTILE });
  const env = { ...f.t.env, ...f.env };
  const a = await emailId(f.t, "<hostile-1@evil.example>");
  const b = await emailId(f.t, "<question-1@customer.example>");
  const both = await runCli(["handled", String(a), String(b), "--note", "batch"], env);
  assert.equal(both.code, 0, both.stderr);
  assert.deepEqual(both.stdout.trim().split("\n"), [`email ${a}: handled`, `email ${b}: handled`]);
  const missing = await runCli(["handled", String(a), "999999"], env);
  assert.equal(missing.code, 1);
  assert.match(missing.stdout, new RegExp(`email ${a}: was handled already`));
  assert.match(missing.stderr, /No email 999999/);
  for (
    const [args, message] of [
      [["handled"], /handled needs one or more email IDs/],
      [["handled", "12", "x7"], /handled: "x7" is not an email id/],
      [["correct", "12"], /correct needs ID and INTENT, e\.g\./],
      [["release"], /release needs one effect ID/],
    ] as const
  ) {
    const r = await runCli([...args], env);
    assert.equal(r.code, 2, args.join(" "));
    assert.match(r.stderr, message);
  }
  const { rows } = await f.t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log");
  assert.equal(rows[0].n, 2);
});
