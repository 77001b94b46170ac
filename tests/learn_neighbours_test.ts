import assert from "node:assert/strict";
import { classifyOffline } from "../src/classify/offline.ts";
import { featuresOf, nearest, similarity } from "../src/learn/neighbours.ts";
import { promptLearning } from "../src/learn/prompt.ts";
import { exampleOf } from "../src/learn/store.ts";
import { learnedVerdict, WEAK_SIMILARITY } from "../src/learn/verdict.ts";
import type { Intent } from "../src/classify/intents.ts";

const INVOICE = "Where can I find the invoice for my March payment? I need it for our accounting.";

function example(n: number, text: string, intent: Intent, sender = `c${n}@customer.example`) {
  return exampleOf({ subject: "Question", body: text }, {
    labelId: n,
    emailId: 100 + n,
    messageId: `<m${n}@customer.example>`,
    sender,
    intent,
  });
}

function verdictFor(text: string, examples: ReturnType<typeof example>[], messageId?: string) {
  const offline = classifyOffline({ subject: "Question", text });
  const near = nearest(featuresOf("Question", text), examples, {
    k: 5,
    minSimilarity: WEAK_SIMILARITY,
    excludeMessageId: messageId,
  });
  return { offline, verdict: learnedVerdict(offline, near) };
}

Deno.test("the same question asked again is nearly identical; a different question on shared words is not", () => {
  const a = featuresOf("Question", INVOICE);
  assert.ok(similarity(a, featuresOf("Question", INVOICE.replace("March", "April"))) > 0.7);
  assert.ok(similarity(a, featuresOf("Question", "Can you call me? I need it for our meeting.")) < 0.3);
  assert.equal(similarity(a, new Set()), 0);
});

Deno.test("a recurring question the lexicon is unsure about takes the intent people gave it", () => {
  const { offline, verdict } = verdictFor(INVOICE.replace("March", "April"), [
    example(1, INVOICE, "speak_to_human"),
  ]);
  assert.equal(offline.intent, "send_info");
  assert.equal(verdict?.intent, "speak_to_human");
  assert.equal(verdict?.without, "send_info");
  assert.deepEqual(verdict?.neighbours.map((n) => n.example.labelId), [1]);
  assert.match(verdict!.evidence[0], /^learned:label 1 \(email 101, 0\.\d\d\) speak_to_human$/);
});

Deno.test("without examples, with only distant ones, or with the email's own label, the lexicon decides", () => {
  assert.equal(verdictFor(INVOICE, []).verdict, null);
  assert.equal(
    verdictFor(INVOICE, [example(1, "Please call me about a refund for my order.", "speak_to_human")])
      .verdict,
    null,
  );
  assert.equal(
    verdictFor(INVOICE, [example(1, INVOICE, "speak_to_human")], "<m1@customer.example>").verdict,
    null,
  );
});

Deno.test("people who disagree about a question teach nothing", () => {
  const { verdict } = verdictFor(INVOICE, [
    example(1, INVOICE, "speak_to_human"),
    example(2, INVOICE, "send_info"),
  ]);
  assert.equal(verdict, null);
});

Deno.test("a close but not recurring match does not override a lexicon that is sure", () => {
  const asked = "Is the Zapier integration available on the starter plan? We use it daily.";
  const taught = "Is the Zapier integration available on the business plan? Our team relies on it.";
  const s = similarity(featuresOf("Question", asked), featuresOf("Question", taught));
  assert.ok(s >= WEAK_SIMILARITY * 0.5 && s < 0.8, `similarity ${s}`);
  const { offline, verdict } = verdictFor(asked, [example(1, taught, "speak_to_human")]);
  assert.equal(offline.intent, "send_info");
  assert.equal(verdict, null);
  // Asked again word for word, people's answer wins even over a sure lexicon.
  assert.equal(verdictFor(taught, [example(1, taught, "speak_to_human")]).verdict?.intent, "speak_to_human");
});

Deno.test("the prompt gets at most four examples, clipped, within the budget, and at most five sender hints", () => {
  const long = (n: number) => `${INVOICE} ${"We need it for the auditors this week. ".repeat(30)} ref ${n}`;
  const examples = Array.from(
    { length: 10 },
    (_, i) => example(i + 1, long(i), "speak_to_human", "same@x.example"),
  );
  const p = promptLearning({
    subject: "Question",
    text: INVOICE,
    sender: "SAME@x.example",
    messageId: "<m3@customer.example>",
  }, examples)!;
  assert.ok(p.examples.length >= 1 && p.examples.length <= 4, `${p.examples.length} examples`);
  assert.ok(p.examples.every((e) => e.text.length <= 400));
  assert.ok(!p.examples.some((e) => e.labelId === 3), "never the email's own label");
  assert.equal(p.hints.length, 5);
  assert.ok(!p.hints.some((h) => h.labelId === 3));
  assert.equal(promptLearning({ subject: "Question", text: INVOICE }, []), null);
});
