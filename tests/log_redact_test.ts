import type { LogRecord } from "@logtape/logtape";
import { EMAIL_ADDRESS_PATTERN } from "@logtape/redaction";
import assert from "node:assert/strict";
import { clip, CLIP_CHARS } from "../src/clip.ts";
import { formatLogLine } from "../src/log.ts";
import { REDACTED_ADDRESS, redactEmails } from "../src/redact.ts";
import { assertLinear } from "./helpers/linear.ts";

function record(properties: Record<string, unknown>): LogRecord {
  return {
    category: ["ses-daemon-bot", "test"],
    level: "info",
    timestamp: Date.now(),
    message: ["Email is unknown by rules"],
    rawMessage: "Email is unknown by rules",
    properties,
  };
}

Deno.test("a log line with 200,000 letters and no @ is formatted at once, where LogTape's pattern took 29 s", () => {
  const line = record({ reason: `header:list-${"a".repeat(200_000)}` });
  const start = performance.now();
  const out = formatLogLine(line);
  const ms = performance.now() - start;
  // Linear: ~5 ms here. The quadratic pattern took 29 s for this line and 1.3 s for a fifth of it.
  assert.ok(ms < 5_000, `took ${Math.round(ms)} ms`);
  assert.ok(out.includes("a".repeat(200_000)), "nothing to redact, nothing lost");
});

Deno.test("an address inside long text is still redacted from a log line", () => {
  const out = formatLogLine(record({
    reason: `${"a".repeat(200_000)} jane.doe+tag@mail.example.org and ${"b".repeat(50_000)}bob@x.example`,
    sender: "ünïcödé@exämple.de",
  }));
  assert.ok(!out.includes("jane"), "the local part is redacted with the domain");
  assert.ok(!out.includes("example.org"));
  assert.ok(!out.includes("x.example"), "an address glued to a long run is redacted, the run with it");
  assert.ok(!out.includes("exämple"));
  assert.equal(out.split(REDACTED_ADDRESS).length - 1, 3);
  assert.ok(out.includes(`${"a".repeat(200_000)} `), "the text around it stays");
  assert.ok(out.endsWith("\n"));
});

Deno.test("the redaction is exactly LogTape's EMAIL_ADDRESS_PATTERN on random text", () => {
  let seed = 13;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const pick = (items: string[]) => items[Math.floor(random() * items.length)];
  // Pieces that make and break addresses: local-only characters ("+", "!"), domain ones ("-", "."), letters
  // outside the BMP (two UTF-16 units), a lone surrogate, separators, and whole addresses.
  const chars = ["a", "Z", "0", "é", "𝒜", "@", "@", ".", ".", "-", "+", "!", " ", '"', ":", "\ud800"];
  const pieces = ["jo", "@", "@", "a.example", ".", "-", "é", "𝒜", " ", "b-c", "x.y", "jo@a.b", "\ud800"];
  let matched = 0;
  for (let i = 0; i < 40_000; i++) {
    const items = i % 2 ? chars : pieces;
    let text = "";
    for (let n = 1 + Math.floor(random() * 30); n > 0; n--) text += pick(items);
    const expected = text.replaceAll(EMAIL_ADDRESS_PATTERN.pattern, REDACTED_ADDRESS);
    assert.equal(redactEmails(text), expected, JSON.stringify(text));
    if (expected !== text) matched++;
  }
  assert.ok(matched > 5_000, `only ${matched} texts had an address: the comparison tests little`);
  const long = `x${"a".repeat(70)}@${"b".repeat(70)}.example.com ${"c".repeat(64)}.d@e.f`;
  assert.equal(redactEmails(long), long.replaceAll(EMAIL_ADDRESS_PATTERN.pattern, REDACTED_ADDRESS));
});

Deno.test("redaction takes linear time on every shape of hostile text", () => {
  const cases: [string, (size: number) => string][] = [
    ["letters without @", (n) => "a".repeat(n)],
    ["letters, then one @", (n) => `${"a".repeat(n)}@`],
    ["a@ repeated", (n) => "a@".repeat(n / 2)],
    ["a@b repeated", (n) => "a@b".repeat(n / 3)],
    ["@ then a long dotted domain", (n) => `a@${"a.".repeat(n / 2)}`],
    ["@ then a long hyphenated label", (n) => `a@${"a-".repeat(n / 2)}`],
    ["addresses back to back", (n) => "jo@a.example,".repeat(n / 13)],
  ];
  for (const [name, make] of cases) assertLinear(name, make, redactEmails);
});

Deno.test("clip cuts long text to a few hundred characters and says how much it cut", () => {
  assert.equal(clip("short"), "short");
  assert.equal(clip("x".repeat(CLIP_CHARS)), "x".repeat(CLIP_CHARS));
  const cut = clip("y".repeat(200_000));
  assert.ok(cut.length < CLIP_CHARS + 30, String(cut.length));
  assert.ok(cut.endsWith(`…[${200_000 - CLIP_CHARS} more chars]`));
  // Never half a character: a pair straddling the cut is left out whole.
  const pair = clip(`${"z".repeat(CLIP_CHARS - 1)}𝒜tail`);
  assert.ok(pair.startsWith(`${"z".repeat(CLIP_CHARS - 1)}…`), pair.slice(-30));
  assert.equal(clip("abcdef", 3), "abc…[3 more chars]");
});
