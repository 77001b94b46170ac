/**
 * Attachment elision (src/mail/elide_attachments.ts) changes nothing the parser reports but the work: every
 * corpus message, thousands of mutants of the ones with attachments, and hand-made edge cases parse to the
 * same fields (attachment sizes included) with every base64 attachment elided as with none.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { elideAttachmentBodies } from "../src/mail/elide_attachments.ts";
import { parseEmail } from "../src/mail/parse.ts";
import { largeMessage } from "../bench/memory.ts";
import { CORPUS_DIR, corpusFiles } from "./helpers/corpus.ts";
import { mutate, rngFor } from "./helpers/mutate.ts";

const FRESH_DIR = new URL("./fixtures/fresh/", import.meta.url).pathname;
const LATIN1 = new TextDecoder("latin1");
const enc = (text: string) => new TextEncoder().encode(text.replaceAll("\n", "\r\n"));

/** Parses with every base64 attachment elided and with none, and requires the same result. */
async function assertSameParse(raw: Uint8Array, what: string): Promise<void> {
  const elided = await parseEmail(raw, { elideMinBytes: 0 });
  const whole = await parseEmail(raw, { elideMinBytes: Infinity });
  assert.deepEqual(elided, whole, what);
}

function elides(raw: Uint8Array): boolean {
  return elideAttachmentBodies(raw, 0) !== undefined;
}

const corpus = [
  ...corpusFiles().map((name) => ({ name, raw: Deno.readFileSync(join(CORPUS_DIR, name)) })),
  ...corpusFiles(FRESH_DIR).map((name) => ({ name, raw: Deno.readFileSync(join(FRESH_DIR, name)) })),
];

Deno.test("every corpus message parses the same with its attachments elided", async () => {
  let elided = 0;
  for (const { name, raw } of corpus) {
    await assertSameParse(raw, name);
    if (elides(raw)) elided++;
  }
  // The comparison means something only where there was something to leave out.
  assert.ok(elided >= 15, `only ${elided} corpus messages have a base64 attachment to elide`);
});

Deno.test("mutants of the corpus messages with attachments parse the same with them elided", async () => {
  // Not the 2 MB message (whole above): its mutants take ~0.4-5 s each to parse, without elision too.
  const withAttachments = corpus.filter((c) => c.raw.length < 256 * 1024 && elides(c.raw));
  // ELIDE_SEED=n tries other mutants (printed on failure with the seed).
  const seed = Number(Deno.env.get("ELIDE_SEED") ?? 20261203);
  for (let n = 0; n < 500; n++) {
    const rng = rngFor(seed, n);
    const source = withAttachments[Math.floor(rng() * withAttachments.length)];
    const mutant = mutate(source.raw, rng);
    await assertSameParse(
      mutant.bytes,
      `mutant ${n} of ${source.name} (${mutant.kinds.join("+")}), seed ${seed}`,
    );
  }
});

Deno.test("a large attachment is not decoded: its size is counted, and the parser reads a few hundred bytes", async () => {
  const raw = largeMessage(3 * 1024 * 1024);
  const elided = elideAttachmentBodies(raw)!;
  assert.ok(elided.raw.length < 2048, `${elided.raw.length} bytes left`);
  const parsed = await parseEmail(raw);
  assert.equal(parsed.attachments.length, 1);
  // 76 base64 characters a line carry 57 bytes.
  const lines = LATIN1.decode(raw).split("\r\n").filter((l) => /^[A-Za-z0-9+/]{76}$/.test(l)).length;
  assert.equal(parsed.attachments[0].size, lines * 57);
  assert.equal(parsed.attachments[0].filename, "brochure.pdf");
  assert.match(parsed.body!, /team plan for 40 people/);
  await assertSameParse(raw, "large message");
});

const PDF_B64 = btoa("%PDF-1.4 ".repeat(2000)).replace(/.{76}/g, "$&\n");

Deno.test("edge cases parse the same with attachments elided, and only binary base64 parts are elided", async () => {
  const cases: Record<string, { text: string; elided: boolean }> = {
    "forwarded message kept whole (its attachment is in its bytes)": {
      elided: false,
      text: `From: a@example.org
Subject: fwd
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: text/plain

See attached.
--outer
Content-Type: message/rfc822
Content-Disposition: attachment

From: b@example.org
Subject: inner
Content-Type: multipart/mixed; boundary="inner"

--inner
Content-Type: text/plain

Inner text.
--inner
Content-Type: application/pdf; name="a.pdf"
Content-Transfer-Encoding: base64

${PDF_B64}
--inner--
--outer--
`,
    },
    "digest part without a type is a message": {
      elided: false,
      text: `From: a@example.org
Subject: digest
Content-Type: multipart/digest; boundary="d"

--d

From: b@example.org
Subject: one
Content-Type: multipart/mixed; boundary="x"

--x
Content-Type: image/png
Content-Transfer-Encoding: base64

${PDF_B64}
--x--
--d--
`,
    },
    "base64 text part stays": {
      elided: false,
      text: `From: a@example.org
Subject: text in base64
Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64

${btoa("Hello, how much is the team plan? ".repeat(50)).replace(/.{76}/g, "$&\n")}
--b--
`,
    },
    "header name with a no-break space is not Content-Type": {
      elided: false,
      text: `From: a@example.org
Subject: nbsp
Content-Type: multipart/mixed; boundary="b"

--b
\u00a0Content-Type: image/png
Content-Transfer-Encoding: base64

${PDF_B64}
--b--
`,
    },
    "first Content-Type wins, as in postal-mime": {
      elided: false,
      text: `From: a@example.org
Subject: two types
Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: text/plain
Content-Type: image/png
Content-Transfer-Encoding: base64

${PDF_B64}
--b--
`,
    },
    "boundary lookalike inside a text part": {
      elided: false,
      text: `From: a@example.org
Subject: lookalike
Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: text/plain

Here is what I got (boundary="q"):
--q
Content-Type: image/png
Content-Transfer-Encoding: base64

${PDF_B64}
--b--
`,
    },
    "attachment without its closing boundary (truncated)": {
      elided: true,
      text: `From: a@example.org
Subject: cut
Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: text/plain

Attached.
--b
Content-Type: application/pdf; name="a.pdf"
Content-Transfer-Encoding: base64

${PDF_B64}`,
    },
    "padding inside the body, junk characters, folded headers": {
      elided: true,
      text: `From: a@example.org
Subject: odd base64
Content-Type: multipart/mixed;
 boundary="b"

--b
Content-Type: text/plain

Attached.
--b
Content-Type:
 image/png;
 name="x.png"
Content-Transfer-Encoding:  BASE64 

QUJD=
REVGRw==
SGk
=
${PDF_B64}
--b--
`,
    },
  };
  for (const [name, c] of Object.entries(cases)) {
    const raw = enc(c.text);
    assert.equal(elides(raw), c.elided, name);
    await assertSameParse(raw, name);
  }
});
