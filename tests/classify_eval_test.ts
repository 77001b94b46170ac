import assert from "node:assert/strict";
import {
  estimateTokens,
  type EvalRow,
  evaluate,
  formatEvalReport,
  type Label,
} from "../src/classify/eval.ts";

function row(
  label: Partial<Label> & { file: string; intent: string },
  predicted: EvalRow["predicted"],
): EvalRow {
  return {
    label: { acceptable: [label.intent], automated: false, auto_reply_ok: true, ...label },
    predicted,
  };
}

const ROWS: EvalRow[] = [
  row({ file: "a.eml", intent: "send_info" }, {
    intent: "send_info",
    automated: false,
    auto_reply_ok: true,
    promptTokens: 100,
  }),
  row({ file: "b.eml", intent: "send_info", acceptable: ["send_info", "create_account"] }, {
    intent: "create_account",
    automated: false,
    auto_reply_ok: true,
    promptTokens: 300,
  }),
  row({ file: "c.eml", intent: "speak_to_human" }, {
    intent: "unknown",
    automated: false,
    auto_reply_ok: true,
    promptTokens: 200,
  }),
  row({ file: "d.eml", intent: "unknown", automated: true, auto_reply_ok: false }, {
    intent: "unknown",
    automated: true,
    auto_reply_ok: false,
    promptTokens: 5000,
  }),
  row({ file: "e.eml", intent: "unknown", auto_reply_ok: false }, {
    intent: "unknown",
    automated: true,
    auto_reply_ok: false,
  }),
  row({ file: "f.eml", intent: "create_account", auto_reply_ok: false }, {
    intent: "create_account",
    automated: false,
    auto_reply_ok: true,
    promptTokens: 400,
  }),
];

Deno.test("intent accuracy is measured over human mail, strict against intent and lenient against acceptable", () => {
  const r = evaluate(ROWS);
  assert.equal(r.total, 6);
  // Human mail: a, b, c, e, f. Strict: a, e, f. Lenient: a, b, e, f.
  assert.equal(r.intent_strict, 3 / 5);
  assert.equal(r.intent_lenient, 4 / 5);
});

Deno.test("automated precision and recall, reply agreement and unsafe replies are counted", () => {
  const r = evaluate(ROWS);
  assert.equal(r.automated_precision, 1 / 2); // d right, e wrong
  assert.equal(r.automated_recall, 1);
  assert.equal(r.auto_reply_ok_accuracy, 5 / 6); // f disagrees
  assert.equal(r.unsafe_auto_reply, 1); // f: labelled false, predicted true
});

Deno.test("the median prompt size covers only mail predicted not automated", () => {
  assert.equal(evaluate(ROWS).median_prompt_tokens, 250); // 100, 200, 300, 400
  assert.equal(evaluate(ROWS.slice(0, 3)).median_prompt_tokens, 200);
});

Deno.test("the confusion matrix and the misses list the human mail", () => {
  const r = evaluate(ROWS);
  assert.deepEqual(r.confusion, {
    send_info: { send_info: 1, create_account: 1 },
    speak_to_human: { unknown: 1 },
    unknown: { unknown: 1 },
    create_account: { create_account: 1 },
  });
  assert.deepEqual(r.misses, [{
    file: "c.eml",
    expected: "speak_to_human",
    acceptable: ["speak_to_human"],
    predicted: "unknown",
  }]);
});

Deno.test("an empty evaluation has nulls instead of divisions by zero", () => {
  const r = evaluate([]);
  assert.deepEqual(
    [
      r.total,
      r.intent_strict,
      r.automated_precision,
      r.automated_recall,
      r.median_prompt_tokens,
      r.unsafe_auto_reply,
    ],
    [0, null, null, null, null, 0],
  );
  assert.match(formatEvalReport(r), /intent strict \(human mail\)\s+n\/a/);
});

Deno.test("the human report aligns the figures and shows the confusion matrix and the misses", () => {
  const text = formatEvalReport(evaluate(ROWS));
  const lines = text.split("\n");
  const figure = (name: string) => lines.find((l) => l.startsWith(name));
  assert.match(figure("intent lenient")!, /80\.0%$/);
  assert.match(figure("unsafe auto replies")!, /1$/);
  assert.match(figure("median prompt tokens")!, /250$/);
  // Values start in the same column.
  assert.equal(new Set(lines.slice(0, 8).map((l) => l.search(/\S+$/))).size, 1, text);
  assert.ok(lines.some((l) => /^send_info\s+1\s+1\s+0\s+0$/.test(l)), text);
  assert.match(text, /c\.eml: expected speak_to_human \(acceptable speak_to_human\), got unknown/);
});

Deno.test("tokens are estimated at about four characters each", () => {
  assert.equal(estimateTokens(""), 0);
  assert.equal(estimateTokens("abcd"), 1);
  assert.equal(estimateTokens("abcde"), 2);
  assert.equal(estimateTokens("x".repeat(4000)), 1000);
});
