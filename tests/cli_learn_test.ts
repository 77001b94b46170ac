import assert from "node:assert/strict";
import { runCli } from "./helpers/cli.ts";
import { consoleFixture, emailId, question } from "./helpers/console.ts";

function invoiceQuestion(n: number, month: string): string {
  return [
    `From: Customer ${n} <customer${n}@client${n}.example>`,
    "To: hello@frflashy.com",
    "Subject: Question",
    `Message-ID: <invoice-${n}@client${n}.example>`,
    `Date: Wed, 25 Nov 2026 10:0${n}:00 +0000`,
    "Content-Type: text/plain; charset=utf-8",
    "",
    `Where can I find the invoice for my ${month} payment? I need it for our accounting.`,
    "",
  ].join("\r\n");
}

Deno.test("export-labels, eval --learned and uncorrect on the command line", async () => {
  await using f = await consoleFixture({ "i1.eml": invoiceQuestion(1, "March"), "q2.eml": question(2) });
  const env = { ...f.t.env, ...f.env };
  const invoice = await emailId(f.t, "<invoice-1@client1.example>");
  const asked = await emailId(f.t, "<question-2@customer.example>");
  assert.equal((await runCli(["correct", String(invoice), "speak_to_human"], env)).code, 0);
  assert.equal((await runCli(["handled", String(asked)], env)).code, 0);

  // export-labels: the labelled emails in the eval format.
  const out = `${await Deno.makeTempDir()}/labelled`;
  const exported = await runCli(["export-labels", out], env);
  assert.equal(exported.code, 0, exported.stderr);
  assert.match(exported.stdout, /export-labels: 2 labelled email\(s\) written/);
  const lines = (await Deno.readTextFile(`${out}/labels.jsonl`)).trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(
    lines.map((l) => [l.file, l.intent, l.acceptable]).sort(),
    [
      [`email-${invoice}.eml`, "speak_to_human", ["speak_to_human"]],
      [`email-${asked}.eml`, "send_info", ["send_info"]],
    ].sort(),
  );
  assert.match(
    await Deno.readTextFile(`${out}/email-${invoice}.eml`),
    /Message-ID: <invoice-1@client1.example>/,
  );
  const refused = await runCli(["export-labels", out], env);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /has a labels\.jsonl already/);

  // eval --learned on the exported mail: an email is never scored with its own label, so the corrected
  // invoice question is the lexicon's send_info again (a miss), exactly as without learning.
  const learnedOwn = await runCli(["eval", out, "--learned", "--json"], env);
  assert.equal(learnedOwn.code, 0, learnedOwn.stderr);
  assert.equal(JSON.parse(learnedOwn.stdout).intent_lenient, 0.5);
  assert.match(learnedOwn.stderr, /eval: 2 learned example\(s\) from the database/);

  // The same question from someone else: learned, it is what people said; without, the lexicon's answer.
  const fresh = await Deno.makeTempDir();
  await Deno.writeTextFile(`${fresh}/april.eml`, invoiceQuestion(3, "April"));
  await Deno.writeTextFile(
    `${fresh}/labels.jsonl`,
    JSON.stringify({
      file: "april.eml",
      intent: "speak_to_human",
      acceptable: ["speak_to_human"],
      automated: false,
      auto_reply_ok: true,
    }) + "\n",
  );
  const lenient = async (args: string[]) => {
    const r = await runCli(["eval", fresh, "--json", ...args], env);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout).intent_lenient;
  };
  assert.equal(await lenient([]), 0);
  assert.equal(await lenient(["--learned"]), 1);

  // uncorrect: the correction is undone, and nothing is learned from it any more.
  const undone = await runCli(["uncorrect", String(invoice), "--note", "it was fine"], env);
  assert.equal(undone.code, 0, undone.stderr);
  assert.match(
    undone.stdout,
    new RegExp(
      `email ${invoice}: speak_to_human → send_info \\(correction undone; label \\d+ retracted\\); routed: `,
    ),
  );
  const again = await runCli(["uncorrect", String(invoice)], env);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /has no correction to undo/);
  assert.equal(await lenient(["--learned"]), 0);
  const { rows } = await f.t.db.query<{ actor: string; action: string }>(
    "SELECT actor, action FROM audit_log WHERE email_id = $1 ORDER BY id",
    [invoice],
  );
  assert.deepEqual(rows.map((r) => r.action), ["correct", "uncorrect"]);
  assert.ok(rows[1].actor.startsWith("cli:"));
  const usage = await runCli(["uncorrect"], env);
  assert.equal(usage.code, 2);
  assert.match((await runCli(["--help"], env)).stdout, /export-labels DIR/);
});
