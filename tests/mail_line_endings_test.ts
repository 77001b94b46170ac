import assert from "node:assert/strict";
import { normalizeLineEndings } from "../src/mail/line_endings.ts";
import { parseEmail } from "../src/mail/parse.ts";
import { assessMail } from "../src/mail/automated.ts";

const LINES = [
  "Return-Path: <>",
  "From: Mail Delivery Subsystem <MAILER-DAEMON@mx1.old-gateway.example>",
  "To: hello@frflashy.com",
  "Subject: Returned mail: User unknown",
  "Date: Tue, 3 Nov 2026 10:12:01 +0100",
  "Message-ID: <202611030912.ABC123@mx1.old-gateway.example>",
  "MIME-Version: 1.0",
  'Content-Type: multipart/mixed; boundary="b1"',
  "",
  "--b1",
  "Content-Type: text/plain; charset=us-ascii",
  "",
  "The original message was received at Tue, 3 Nov 2026 10:11:58 +0100",
  "",
  "   ----- The following addresses had permanent fatal errors -----",
  "<m.dupont@old-gateway.example>",
  "",
  "--b1",
  "Content-Type: text/plain; name=note.txt",
  "Content-Disposition: attachment; filename=note.txt",
  "",
  "kept",
  "--b1--",
  "",
];

function variant(ending: string | ((i: number) => string)): Uint8Array {
  const text = LINES.map((l, i) => l + (typeof ending === "string" ? ending : ending(i))).join("");
  return new TextEncoder().encode(text);
}

const VARIANTS: Record<string, Uint8Array> = {
  crlf: variant("\r\n"),
  lf: variant("\n"),
  cr: variant("\r"),
  // A bare CR before an empty line would read as one CRLF: mixed endings are ambiguous there.
  "mixed cr/lf/crlf": variant((i) => LINES[i + 1] === "" ? "\r\n" : ["\r", "\n", "\r\n"][i % 3]),
  "cr cr lf": variant("\r\r\n"),
};

Deno.test("the same message with CR, LF, CRLF or mixed endings parses to the same headers and sender", async () => {
  const reference = await parseEmail(VARIANTS.crlf);
  assert.equal(reference.sender, "mailer-daemon@mx1.old-gateway.example");
  assert.deepEqual(reference.problems, []);
  for (const [name, raw] of Object.entries(VARIANTS)) {
    const parsed = await parseEmail(raw);
    assert.deepEqual(parsed.headers, reference.headers, name);
    assert.equal(parsed.sender, reference.sender, name);
    assert.equal(parsed.subject, "Returned mail: User unknown", name);
    assert.equal(parsed.messageId, reference.messageId, name);
    assert.equal(
      parsed.body?.replace(/\r?\n/g, "\n").trim(),
      reference.body?.replace(/\r?\n/g, "\n").trim(),
      name,
    );
    assert.deepEqual(parsed.attachments, reference.attachments, name);
    assert.deepEqual(parsed.problems, [], name);
    assert.equal(assessMail(parsed, { ownAddresses: [] }).automated, true, name);
  }
});

Deno.test("line endings are rewritten only when a bare CR is there; the input itself is never changed", () => {
  for (const name of ["crlf", "lf"]) {
    assert.equal(normalizeLineEndings(VARIANTS[name]), VARIANTS[name], `${name}: no copy`);
  }
  const cr = VARIANTS.cr;
  const before = cr.slice();
  const out = normalizeLineEndings(cr);
  assert.deepEqual(cr, before, "the stored bytes stay as they came");
  assert.deepEqual(out, VARIANTS.crlf);
  const enc = (s: string) => new TextEncoder().encode(s);
  assert.deepEqual(normalizeLineEndings(enc("a\rb\nc\r\r\nd\r\re\r")), enc("a\r\nb\r\nc\r\nd\r\n\r\ne\r\n"));
});
