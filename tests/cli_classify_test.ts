import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "./helpers/cli.ts";
import { CORPUS_DIR } from "./helpers/corpus.ts";

Deno.test("eval on the dev corpus meets the floors: no unsafe reply, automated exact, lenient >= 0.80", async () => {
  const r = await runCli(["eval", CORPUS_DIR, "--json", "--classifier", "offline"], {});
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  for (
    const key of [
      "total",
      "intent_strict",
      "intent_lenient",
      "automated_precision",
      "automated_recall",
      "auto_reply_ok_accuracy",
      "unsafe_auto_reply",
      "median_prompt_tokens",
      "confusion",
    ]
  ) assert.ok(key in report, `--json has ${key}`);
  assert.equal(report.total, 154);
  assert.equal(report.unsafe_auto_reply, 0);
  assert.equal(report.automated_precision, 1);
  assert.equal(report.automated_recall, 1);
  assert.ok(report.intent_lenient >= 0.8, `lenient ${report.intent_lenient}`);
  assert.ok(report.median_prompt_tokens > 0);
});

Deno.test("eval on the fresh set (written apart, see its README) keeps its floors: safe, automated exact, lenient >= 0.90", async () => {
  const dir = new URL("./fixtures/fresh/", import.meta.url).pathname;
  const r = await runCli(["eval", dir, "--json", "--classifier", "offline"], {});
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.total, 99);
  assert.equal(report.unsafe_auto_reply, 0);
  assert.equal(report.automated_precision, 1);
  assert.equal(report.automated_recall, 1);
  assert.ok(
    report.intent_lenient >= 0.9,
    `lenient ${report.intent_lenient}: ${JSON.stringify(report.misses)}`,
  );
});

Deno.test("eval prints a report for a person, and refuses the LLM without a key", async () => {
  const human = await runCli(["eval", CORPUS_DIR], {});
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /intent lenient \(human mail\)/);
  assert.match(human.stdout, /confusion/);
  const llm = await runCli(["eval", CORPUS_DIR, "--classifier", "llm"], {});
  assert.equal(llm.code, 2);
  assert.match(llm.stderr, /needs OPENAI_API_KEY/);
});

Deno.test("classify prints one JSON line per file, without a database", async () => {
  const files = ["054-price-list-bank-transfer.eml", "025-bounce-exim-unrouteable.eml"].map((f) =>
    join(CORPUS_DIR, f)
  );
  const r = await runCli(["classify", ...files], { DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" });
  assert.equal(r.code, 0, r.stderr);
  const [pricing, bounce] = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(pricing.file, files[0]);
  assert.equal(pricing.intent, "send_info");
  assert.deepEqual(pricing.intent_flags, [true, false, false, false, false]);
  assert.equal(pricing.automated, false);
  assert.equal(pricing.classifier, "offline");
  assert.deepEqual(bounce.intent_flags, [false, false, true, false, false]);
  assert.equal(bounce.automated, true);
  assert.equal(bounce.auto_reply_ok, false);
  assert.equal(bounce.classifier, "rules");
  assert.ok(bounce.reasons.length > 0);
});
