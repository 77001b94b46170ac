import assert from "node:assert/strict";
import { businessOf } from "../src/app.ts";
import { decide } from "../src/classify/decide.ts";
import { estimateTokens } from "../src/classify/eval.ts";
import { DEFAULT_BUSINESS, systemPrompt, userPrompt } from "../src/classify/instructions.ts";
import { LlmClassifier } from "../src/classify/llm.ts";
import { loadConfig } from "../src/config.ts";
import { fakeLlm } from "./helpers/fake_llm.ts";

const ACME = { name: "Acme Bakery", description: "a bakery in Lyon that delivers bread to restaurants" };
const mail = {
  headers: {},
  sender: "ann@client.example",
  replyTo: undefined,
  subject: "Croissants",
  body: "How much are 200 croissants a week?",
};
const options = { ownAddresses: ["@acme.example"], maxChars: 4000, lastAttempt: true };

Deno.test("the instructions name the configured business and say what it does", () => {
  const prompt = systemPrompt("0123456789abcdef", ACME);
  assert.match(
    prompt,
    /contact addresses of Acme Bakery, a bakery in Lyon that delivers bread to restaurants\./,
  );
  assert.doesNotMatch(prompt, /FrFlashy/i);
  assert.match(systemPrompt("n"), /contact addresses of FrFlashy, a subscription web app\./);
  // Without a description the sentence still ends well.
  assert.match(systemPrompt("n", { name: "Acme", description: "" }), /contact addresses of Acme\.\n/);
});

Deno.test("the model gets the business of BUSINESS_NAME and BUSINESS_DESCRIPTION", async () => {
  await using llm = fakeLlm({ intent: "send_info" });
  const config = loadConfig((n) =>
    ({ BUSINESS_NAME: ACME.name, BUSINESS_DESCRIPTION: ACME.description } as Record<string, string>)[n]
  );
  const classifier = new LlmClassifier({
    apiKey: "k",
    baseURL: llm.baseURL,
    model: "m",
    timeoutMs: 2000,
    business: businessOf(config),
  });
  const d = await decide(mail, { ...options, llm: classifier });
  assert.equal(d.intent, "send_info");
  const system = llm.requests[0].messages.find((m) => m.role === "system")!.content;
  assert.match(system, /of Acme Bakery, a bakery in Lyon/);
});

Deno.test("the prompt-size estimate is built from the same instructions, with or without a model", async () => {
  const offline = await decide(mail, { ...options, business: ACME });
  const input = { subject: mail.subject, text: mail.body };
  const expected = estimateTokens(
    systemPrompt("0123456789abcdef", ACME) + userPrompt(input, "0123456789abcdef"),
  );
  assert.equal(offline.promptTokensEstimate, expected);
  const long = { ...ACME, description: "a bakery ".repeat(30).trim() };
  const longer = await decide(mail, { ...options, business: long });
  assert.ok(longer.promptTokensEstimate! > expected, "a longer description costs more tokens");
  const byDefault = await decide(mail, options);
  assert.equal(
    byDefault.promptTokensEstimate,
    estimateTokens(
      systemPrompt("0123456789abcdef", DEFAULT_BUSINESS) + userPrompt(input, "0123456789abcdef"),
    ),
  );
  // With a model, its business counts, whatever else is passed.
  await using llm = fakeLlm({ intent: "send_info" });
  const classifier = new LlmClassifier({
    apiKey: "k",
    baseURL: llm.baseURL,
    model: "m",
    timeoutMs: 2000,
    business: long,
  });
  const withModel = await decide(mail, { ...options, llm: classifier, business: ACME });
  assert.equal(withModel.promptTokensEstimate, longer.promptTokensEstimate);
});
