import assert from "node:assert/strict";
import { join } from "node:path";
import PostalMime from "postal-mime";
import { addressOf, buildMessage, type OutboundMessage, replySubject } from "../src/act/mime.ts";
import { DeliveryError } from "../src/act/transport.ts";
import { parseEmail } from "../src/mail/parse.ts";
import { CORPUS_DIR } from "./helpers/corpus.ts";

const base: OutboundMessage = {
  from: "FrFlashy <hello@frflashy.com>",
  to: ["Jane Doe <jane@example.org>"],
  subject: "Re: Pricing",
  text: "Hello Jane,\n\nthe prices are at https://frflashy.com/pricing.\n",
  messageId: "<reply-1@frflashy.com>",
  date: new Date("2025-07-01T12:00:00Z"),
  inReplyTo: "<orig-1@example.org>",
  references: ["<root@example.org>", "<orig-1@example.org>"],
  autoSubmitted: "auto-replied",
  headers: { "X-Auto-Response-Suppress": "All" },
};

const latin1 = (bytes: Uint8Array) => new TextDecoder("latin1").decode(bytes);
const build = (m: Partial<OutboundMessage>) => latin1(buildMessage({ ...base, ...m }));
const headerBlock = (raw: string) => raw.slice(0, raw.indexOf("\r\n\r\n") + 2);
const headerLines = (raw: string) => headerBlock(raw).split("\r\n").slice(0, -1);

Deno.test("a reply carries the threading, auto-reply and MIME headers", () => {
  const head = headerBlock(build({}));
  assert.match(head, /^From: FrFlashy <hello@frflashy\.com>\r\n/);
  assert.match(head, /\r\nTo: Jane Doe <jane@example\.org>\r\n/);
  assert.match(head, /\r\nSubject: Re: Pricing\r\n/);
  assert.match(head, /\r\nDate: Tue, 01 Jul 2025 12:00:00 \+0000\r\n/);
  assert.match(head, /\r\nMessage-ID: <reply-1@frflashy\.com>\r\n/);
  assert.match(head, /\r\nIn-Reply-To: <orig-1@example\.org>\r\n/);
  assert.match(head, /\r\nReferences: <root@example\.org> <orig-1@example\.org>\r\n/);
  assert.match(head, /\r\nAuto-Submitted: auto-replied\r\n/);
  assert.match(head, /\r\nX-Auto-Response-Suppress: All\r\n/);
  assert.match(head, /\r\nMIME-Version: 1\.0\r\n/);
  assert.match(head, /\r\nContent-Type: text\/plain; charset=utf-8\r\n/);
  assert.match(head, /\r\nContent-Transfer-Encoding: quoted-printable\r\n/);
});

Deno.test("every line ends with CRLF, and no bare CR or LF is left", () => {
  const raw = build({ text: "one\ntwo\r\nthree\rfour\n", subject: "Réponse – café" });
  assert.ok(raw.endsWith("\r\n"));
  assert.equal(raw.replaceAll("\r\n", "").match(/[\r\n]/), null);
});

Deno.test("a non-ASCII subject and display name are RFC 2047 words that decode back", async () => {
  const raw = buildMessage({ ...base, from: "Équipe Café <hello@frflashy.com>", subject: "Réponse – café" });
  const head = headerBlock(latin1(raw));
  assert.match(head, /\r\nSubject: =\?utf-8\?[qb]\?/i);
  assert.match(head, /^From: =\?utf-8\?[qb]\?.*\?= <hello@frflashy\.com>\r\n/i);
  assert.ok(/^[\t\r\n\x20-\x7e]*$/.test(head), "the header block is printable ASCII");
  const parsed = await PostalMime.parse(raw);
  assert.equal(parsed.subject, "Réponse – café");
  assert.equal(parsed.from?.name, "Équipe Café");
  assert.equal(parsed.from?.address, "hello@frflashy.com");
});

Deno.test("long subjects are folded to 78 characters and decode to the same text", async () => {
  const ascii = "Question about the team plan ".repeat(8).trim();
  const accented = "Réponse à votre question sur l'offre équipe, café compris ".repeat(6).trim();
  const cyrillic = "Ответ на ваш вопрос о тарифе для команды ".repeat(4).trim();
  for (const subject of [ascii, accented, cyrillic, "x".repeat(2000)]) {
    const raw = buildMessage({ ...base, subject });
    for (const line of headerLines(latin1(raw))) assert.ok(line.length <= 78, `${line.length}: ${line}`);
    assert.equal((await PostalMime.parse(raw)).subject, subject);
  }
});

Deno.test("CR and LF in subject, names and addresses cannot add a header", () => {
  const raw = build({
    subject: "Hello\r\nBcc: victim@example.net\r\n\r\nbody",
    from: "Evil\r\nBcc: victim@example.net <hello@frflashy.com>",
    to: ["Jane\nX-Injected: yes <jane@example.org>"],
    headers: { "X-Auto-Response-Suppress": "All\r\nX-Injected: yes" },
  });
  const names = headerLines(raw).filter((l) => !/^[ \t]/.test(l)).map((l) => l.slice(0, l.indexOf(":")));
  assert.ok(!names.includes("Bcc"), names.join(", "));
  assert.ok(!names.includes("X-Injected"), names.join(", "));
  assert.match(raw, /\r\nSubject: Hello Bcc: victim@example\.net body\r\n/);
  assert.match(raw, /^From: "Evil Bcc: victim@example\.net" <hello@frflashy\.com>\r\n/);
});

Deno.test("a recipient that is not an address is refused for good", () => {
  for (const to of ["jane@example.org\r\nBcc: victim@example.net", "a@b.c, d@e.f", "not an address"]) {
    assert.throws(
      () => buildMessage({ ...base, to: [to] }),
      (e) =>
        e instanceof DeliveryError && e.permanent &&
        /Cannot build message: .* is not an e-mail address/.test(e.message),
    );
  }
  assert.throws(
    () => buildMessage({ ...base, headers: { "Content-Type": "text/html" } }),
    /written by the builder/,
  );
});

Deno.test("the quoted-printable body has lines of at most 76 characters and decodes to the text", async () => {
  const text = [
    "Un paragraphe très long, avec des accents à chaque mot ou presque : é è à ç ô, ".repeat(5),
    "trailing space   ",
    "=equals= and a tab\tinside",
    "emoji 🎉 and 中文字符".repeat(6),
    "",
    ".a line starting with a dot",
  ].join("\n");
  const raw = buildMessage({ ...base, text });
  const body = latin1(raw).slice(latin1(raw).indexOf("\r\n\r\n") + 4);
  for (const line of body.split("\r\n")) {
    assert.ok(line.length <= 76, `${line.length}: ${line}`);
    assert.ok(!/[ \t]$/.test(line), "no trailing white space");
  }
  const parsed = await PostalMime.parse(raw);
  assert.equal(parsed.text?.replace(/\r\n/g, "\n").replace(/\n$/, ""), text);
});

Deno.test("the original is attached byte for byte as message/rfc822, not base64", async () => {
  const original = await Deno.readFile(join(CORPUS_DIR, "010-reponse-automatique-absence.eml"));
  const raw = buildMessage({ ...base, attachOriginal: { filename: "original.eml", content: original } });
  const text = latin1(raw);
  const boundary = /boundary="([^"]+)"/.exec(text)![1];
  assert.match(boundary, /^=_[0-9a-f]{32}$/);
  assert.equal(text.split(`--${boundary}`).length, 4, "two parts and the closing delimiter");
  const part = text.split(`\r\n--${boundary}`)[2];
  const [partHead, ...rest] = part.split("\r\n\r\n");
  assert.match(partHead, /Content-Type: message\/rfc822\r\n/);
  assert.match(partHead, /Content-Disposition: attachment; filename="original\.eml"\r\n/);
  assert.match(partHead, /Content-Transfer-Encoding: (7bit|8bit)$/);
  assert.equal(rest.join("\r\n\r\n"), latin1(original), "the same bytes");
  assert.ok(text.includes(latin1(original)));
  assert.match(text, new RegExp(`\r\n--${boundary}--\r\n$`));
});

Deno.test("two messages never share a boundary", () => {
  const content = new TextEncoder().encode("Subject: x\r\n\r\nhello\r\n");
  const one = build({ attachOriginal: { filename: "a.eml", content } });
  const two = build({ attachOriginal: { filename: "a.eml", content } });
  assert.notEqual(/boundary="([^"]+)"/.exec(one)![1], /boundary="([^"]+)"/.exec(two)![1]);
});

Deno.test("parseEmail reads back subject, sender, text, threading and the attachment", async () => {
  const original = await Deno.readFile(join(CORPUS_DIR, "001-is-this-still-active.eml"));
  const raw = buildMessage({
    ...base,
    from: "Équipe FrFlashy <hello@frflashy.com>",
    subject: "Réponse – café",
    text: "Bonjour,\n\nune personne vous répondra.\n",
    attachOriginal: { filename: "original message.eml", content: original },
  });
  const mail = await parseEmail(raw);
  assert.deepEqual(mail.problems, []);
  assert.equal(mail.subject, "Réponse – café");
  assert.equal(mail.sender, "hello@frflashy.com");
  assert.equal(mail.senderName, "Équipe FrFlashy");
  assert.deepEqual(mail.recipients, ["jane@example.org"]);
  assert.equal(mail.body?.trim(), "Bonjour,\n\nune personne vous répondra.");
  assert.equal(mail.messageId, "<reply-1@frflashy.com>");
  assert.equal(mail.inReplyTo, "<orig-1@example.org>");
  assert.equal(mail.references, "<root@example.org> <orig-1@example.org>");
  assert.deepEqual(mail.headers["auto-submitted"], ["auto-replied"]);
  assert.equal(mail.attachments.length, 1);
  assert.equal(mail.attachments[0].mime_type, "message/rfc822");
  assert.equal(mail.attachments[0].filename, "original message.eml");
  // postal-mime turns the part's CRLF into LF (the raw bytes are compared in the test above).
  const parsed = await PostalMime.parse(raw, { attachmentEncoding: "arraybuffer" });
  const content = new TextDecoder().decode(parsed.attachments[0].content as ArrayBuffer);
  const lf = (s: string) => s.replaceAll("\r\n", "\n").trimEnd();
  assert.equal(lf(content), lf(new TextDecoder().decode(original)));
});

Deno.test("replySubject adds one Re: and folds Re, RE, Re :, AW and SV into it", () => {
  assert.equal(replySubject("Pricing"), "Re: Pricing");
  assert.equal(replySubject("Re: Pricing"), "Re: Pricing");
  assert.equal(replySubject("RE: Re: Pricing"), "Re: Pricing");
  assert.equal(replySubject("Re : Pricing"), "Re: Pricing");
  assert.equal(replySubject("re[2]: Pricing"), "Re: Pricing");
  assert.equal(replySubject("AW: Preise"), "Re: Preise");
  assert.equal(replySubject("SV: Priser"), "Re: Priser");
  assert.equal(replySubject("Fwd: Pricing"), "Re: Fwd: Pricing");
  assert.equal(replySubject("TR: Tarifs"), "Re: TR: Tarifs");
  assert.equal(replySubject("Report: March"), "Re: Report: March");
  assert.equal(replySubject("Hi\r\nBcc: x@y.z"), "Re: Hi Bcc: x@y.z");
  assert.equal(replySubject(undefined), "Re: (no subject)");
  assert.equal(replySubject("  "), "Re: (no subject)");
});

Deno.test("addressOf gives the bare lower-case address", () => {
  assert.equal(addressOf("FrFlashy <Hello@FrFlashy.com>"), "hello@frflashy.com");
  assert.equal(addressOf('"Doe, Jane" <jane@example.org>'), "jane@example.org");
  assert.equal(addressOf(" Jane@Example.org "), "jane@example.org");
});
