import assert from "node:assert/strict";
import { HANDLERS, plan, type PlanConfig, type RoutableEmail } from "../src/act/plan.ts";
import { loadTemplates } from "../src/act/templates.ts";

const config = async (over: Partial<PlanConfig> = {}): Promise<PlanConfig> => ({
  replyFrom: "FrFlashy <hello@frflashy.com>",
  humanEmail: "team@frflashy.com",
  ownAddresses: ["@frflashy.com"],
  webhooks: { crm: true, escalation: true },
  pricingUrl: "https://p.example/pricing",
  docsUrl: "https://p.example/docs",
  signupUrl: "https://p.example/signup",
  ackHumanReply: true,
  unknownAutoReply: false,
  automatedAction: "none",
  templates: await loadTemplates(),
  ...over,
});

const email = (over: Partial<RoutableEmail> = {}): RoutableEmail => ({
  id: 7,
  messageId: "<abc@client.example>",
  messageIdGenerated: false,
  sender: "ann@client.example",
  senderName: "Ann",
  replyTo: null,
  subject: "Prices?",
  body: "What does the team plan cost?",
  references: "<older@client.example>",
  intent: "send_info",
  automated: false,
  autoReplyOk: true,
  reasons: [],
  receivedAt: new Date("2026-11-24T10:00:00Z"),
  rawId: 3,
  ...over,
});

/** The effects a plan sends whatever happens (not the fallbacks). */
const purposes = (p: { effects: { purpose: string; fallback?: boolean }[] }) =>
  p.effects.filter((e) => !e.fallback).map((e) => e.purpose).sort();
/** The hand-off a plan keeps for the case that the reply window withholds its reply. */
const fallbacks = (p: { effects: { purpose: string; fallback?: boolean }[] }) =>
  p.effects.filter((e) => e.fallback).map((e) => e.purpose).sort();

Deno.test("each intent's handler asks for its effects", async () => {
  const c = await config();
  assert.deepEqual(purposes(plan(email(), c)), ["send_info_reply"]);
  assert.deepEqual(purposes(plan(email({ intent: "create_account" }), c)), ["crm_task", "signup_reply"]);
  assert.deepEqual(purposes(plan(email({ intent: "speak_to_human" }), c)), [
    "ack_reply",
    "escalation",
    "escalation_forward",
  ]);
  assert.deepEqual(purposes(plan(email({ intent: "unknown" }), c)), ["triage", "triage_forward"]);
  assert.deepEqual(purposes(plan(email({ intent: "reserved" }), c)), ["triage", "triage_forward"]);
  assert.deepEqual(Object.keys(HANDLERS).sort(), [
    "create_account",
    "reserved",
    "send_info",
    "speak_to_human",
    "unknown",
  ]);
});

Deno.test("a reply follows RFC 3834: Auto-Submitted, In-Reply-To, References, Re:, to Reply-To", async () => {
  const [reply] = plan(email({ replyTo: "orders@client.example" }), await config()).effects;
  assert.equal(reply.kind, "reply");
  const p = reply.payload as unknown as Record<string, unknown>;
  assert.deepEqual(p.to, ["orders@client.example"]);
  assert.equal(p.from, "FrFlashy <hello@frflashy.com>");
  assert.equal(p.subject, "Re: Prices?");
  assert.equal(p.in_reply_to, "<abc@client.example>");
  assert.deepEqual(p.references, ["<older@client.example>", "<abc@client.example>"]);
  assert.equal(p.auto_submitted, "auto-replied");
  assert.match(String(p.text), /https:\/\/p\.example\/pricing/);
  assert.match(String(p.text), /Hello Ann,/);
});

Deno.test("a generated Message-ID is never referred to", async () => {
  const [reply] =
    plan(email({ messageIdGenerated: true, messageId: "<x@ses-daemon-bot.invalid>" }), await config())
      .effects;
  assert.equal((reply.payload as { in_reply_to?: string }).in_reply_to, undefined);
});

Deno.test("automated mail gets nothing by default, a hand-off when configured, never a reply", async () => {
  const bounce = email({ automated: true, autoReplyOk: false, intent: "unknown", reasons: ["dsn"] });
  assert.deepEqual(plan(bounce, await config()), { effects: [], suppressed: [] });
  const handed = plan(bounce, await config({ automatedAction: "handoff" }));
  assert.ok(handed.effects.length > 0 && handed.effects.every((e) => e.kind !== "reply"));
});

Deno.test("unsafe human mail gets no reply but a hand-off; spam gets neither", async () => {
  const spoofed = plan(email({ autoReplyOk: false, reasons: ["auth:likely-spoofed"] }), await config());
  assert.deepEqual(purposes(spoofed), ["triage", "triage_forward"]);
  assert.equal(spoofed.suppressed.length, 1);
  assert.match(spoofed.suppressed[0].reason, /auto_reply_ok is false: auth:likely-spoofed/);
  const spam = plan(email({ autoReplyOk: false, reasons: ["spam-verdict:FAIL"] }), await config());
  assert.deepEqual(spam.effects, []);
  assert.equal(spam.suppressed.length, 1);
});

Deno.test("no automatic reply to our own addresses, even when the rules allowed one: a person sees it", async () => {
  const own = plan(email({ sender: "sales@frflashy.com" }), await config());
  assert.deepEqual(purposes(own), ["triage", "triage_forward"]);
  assert.match(own.suppressed[0].reason, /one of our own addresses/);
  const humanMailbox = plan(email({ replyTo: "team@frflashy.com", sender: "x@y.example" }), await config());
  assert.ok(humanMailbox.effects.every((e) => e.kind !== "reply"));
});

Deno.test("a reply that may go carries a fallback hand-off, for when the reply window withholds it", async () => {
  const c = await config();
  const p = plan(email(), c);
  assert.deepEqual(purposes(p), ["send_info_reply"]);
  assert.deepEqual(fallbacks(p), ["withheld", "withheld_forward"]);
  // A plan that already reaches a person needs none.
  assert.deepEqual(fallbacks(plan(email({ intent: "speak_to_human" }), c)), []);
  assert.deepEqual(fallbacks(plan(email({ intent: "create_account" }), c)), []);
});

Deno.test("a reply goes to a Reply-To on the From domain, a subdomain or a parent, never a sibling or a suffix", async () => {
  const c = await config();
  const to = (sender: string, replyTo: string) => plan(email({ sender, replyTo }), c);
  for (
    const [sender, replyTo] of [
      ["ann@client.example", "ANN@client.example"],
      ["ann@client.example", "desk@help.client.example"],
      ["ann@mail.client.example", "ann@client.example"],
    ]
  ) {
    const p = to(sender, replyTo.toLowerCase());
    const replies = p.effects.filter((e) => e.kind === "reply");
    assert.deepEqual(replies.map((e) => e.payload).map((x) => (x as { to: string[] }).to), [[
      replyTo.toLowerCase(),
    ]]);
  }
  for (
    const [sender, replyTo] of [
      ["ann@mail.client.example", "victim@other.client.example"],
      ["ann@evil.co.uk", "victim@co.uk"],
      ["ann@client.example", "victim@client.example.evil"],
      ["ann@client.example", "victim@notclient.example"],
    ]
  ) {
    const p = to(sender, replyTo);
    assert.equal(p.suppressed.length, 1, `${sender} -> ${replyTo}`);
    assert.match(p.suppressed[0].reason, /is not on the From domain/);
    assert.deepEqual(purposes(p), ["triage", "triage_forward"], "handed to a person");
  }
});

Deno.test("without HUMAN_EMAIL or webhooks a hand-off has nothing to do", async () => {
  const c = await config({ humanEmail: undefined, webhooks: { crm: false, escalation: false } });
  assert.deepEqual(purposes(plan(email({ intent: "speak_to_human" }), c)), ["ack_reply"]);
  assert.deepEqual(purposes(plan(email({ intent: "create_account" }), c)), ["signup_reply"]);
});

Deno.test("a template with an unknown variable is refused at start", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/send_info.txt`, "Hi {{first_name}}");
  await assert.rejects(() => loadTemplates(dir), /unknown variable \{\{first_name\}\}/);
  await Deno.writeTextFile(`${dir}/send_info.txt`, "Hi{{greeting_name}}, see {{pricing_url}}");
  assert.equal((await loadTemplates(dir)).text.en.send_info, "Hi{{greeting_name}}, see {{pricing_url}}");
});

Deno.test("with CONSOLE_URL, a hand-off's forward and webhook carry the link to the email's page", async () => {
  const handoff = plan(
    email({ intent: "speak_to_human" }),
    await config({ consoleUrl: "https://c.example/sdb" }),
  );
  const forward = handoff.effects.find((e) => e.kind === "forward")!;
  assert.equal(forward.kind, "forward");
  if (forward.kind !== "forward") return;
  assert.match(forward.payload.text, /\nConsole: https:\/\/c\.example\/sdb\/emails\/7\n/);
  const hook = handoff.effects.find((e) => e.kind === "webhook")!;
  assert.equal(hook.kind === "webhook" && hook.payload.body.console_url, "https://c.example/sdb/emails/7");
  const without = plan(email({ intent: "speak_to_human" }), await config());
  for (const e of without.effects) {
    assert.doesNotMatch(JSON.stringify(e.payload), /Console:|console_url/);
  }
});
