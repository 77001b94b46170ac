import assert from "node:assert/strict";
import { inertName, inertQuote, oneLine, slackEscape } from "../src/act/quoting.ts";

Deno.test("oneLine turns every kind of line break, control and bidi override into one space, and caps", () => {
  assert.equal(
    oneLine("a\r\nb\u2028c\u2029d\u0085e\u000bf\u0000g\u202eh\u2066i\tj", 100),
    "a b c d e f g h i j",
  );
  assert.equal(oneLine("  x  ", 10), "x");
  assert.equal(oneLine("abcdefghij", 5), "abcd…");
  // Characters, not UTF-16 units: an emoji is never cut in half.
  assert.equal(oneLine("😀😀😀😀", 3), "😀😀…");
});

Deno.test("inertQuote replaces every word a client could link: URLs, addresses, host names", () => {
  const cases: [string, string][] = [
    ["reset your password at http://evil.example/x now", "reset your password at … now"],
    ["write to help@bank.example today", "write to … today"],
    ["see www.evil.example or evil.example/login", "see … or …"],
    ["full-width ｈｔｔｐｓ：／／evil．example and a＠b．example", "full-width … and …"],
    ["mailto:x javascript:alert(1) tel:+123", "…"],
    ["Pricing for 3.5 seats, e.g. the Team plan?", "Pricing for 3.5 seats, e.g. the Team plan?"],
  ];
  for (const [input, expected] of cases) assert.equal(inertQuote(input, 80), expected, input);
  const long = inertQuote("word ".repeat(40), 80);
  assert.ok([...long].length <= 80 && long.endsWith("word…"), long);
});

Deno.test("inertName keeps a name and drops one that carries an address or a link", () => {
  assert.equal(inertName("Ann\nSmith", 40), "Ann Smith");
  assert.equal(inertName("Dr. J.R. Smith", 40), "Dr. J.R. Smith");
  assert.equal(inertName("Security: security@bank.example", 40), "");
  assert.equal(inertName("Visit evil.example", 40), "");
  assert.equal([...inertName("A".repeat(100), 40)].length, 40);
});

Deno.test("slackEscape escapes &, < and > and nothing else", () => {
  assert.equal(
    slackEscape("<!channel> <https://x|y> a&b *bold*"),
    "&lt;!channel&gt; &lt;https://x|y&gt; a&amp;b *bold*",
  );
});
