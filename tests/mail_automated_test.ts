import assert from "node:assert/strict";
import { type AssessableMail, assessMail } from "../src/mail/automated.ts";
import { parseEmail } from "../src/mail/parse.ts";
import { CORPUS_DIR, loadLabels } from "./helpers/corpus.ts";

const OWN = { ownAddresses: ["@frflashy.com"] };

const PASSING_AUTH =
  "amazonses.com; spf=pass smtp.mailfrom=a.example; dkim=pass header.i=@a.example; dmarc=pass";

/** A plain human message from a person at a.example; `extra` headers are added, lower-cased names. */
function mail(extra: Record<string, string> = {}, fields: Partial<AssessableMail> = {}): AssessableMail {
  const headers: Record<string, string[]> = {
    "return-path": ["<jo@a.example>"],
    "x-ses-spam-verdict": ["PASS"],
    "x-ses-virus-verdict": ["PASS"],
    "authentication-results": [PASSING_AUTH],
    "content-type": ["text/plain; charset=utf-8"],
  };
  for (const [k, v] of Object.entries(extra)) headers[k] = [v];
  return { headers, sender: "jo@a.example", replyTo: undefined, subject: "Pricing", ...fields };
}

Deno.test("every automated and every auto_reply_ok:false case of the dev corpus is decided right", async () => {
  const wrong: string[] = [];
  for (const label of loadLabels()) {
    const parsed = await parseEmail(await Deno.readFile(`${CORPUS_DIR}/${label.file}`));
    const d = assessMail(parsed, OWN);
    if (d.automated !== label.automated || d.auto_reply_ok !== label.auto_reply_ok) {
      wrong.push(`${label.file}: got ${JSON.stringify(d)}`);
    }
    if (d.automated || !d.auto_reply_ok) assert.ok(d.reasons.length > 0, `${label.file} has no reason`);
  }
  assert.deepEqual(wrong, []);
});

Deno.test("a plain message from a person is human mail that may be answered, with no reasons", () => {
  assert.deepEqual(assessMail(mail(), OWN), { automated: false, auto_reply_ok: true, reasons: [] });
});

Deno.test("auto-reply and bulk headers make mail automated, Auto-Submitted: no does not", () => {
  const cases: [Record<string, string>, string][] = [
    [{ "auto-submitted": "auto-replied" }, "header:auto-submitted=auto-replied"],
    [{ "auto-submitted": "auto-generated; owner-email=x@y" }, "header:auto-submitted=auto-generated"],
    [{ "x-autoreply": "yes" }, "header:x-autoreply"],
    [{ "x-autorespond": "1" }, "header:x-autorespond"],
    [{ "x-auto-response-suppress": "All" }, "header:x-auto-response-suppress"],
    [{ "precedence": "Bulk" }, "header:precedence=bulk"],
    [{ "precedence": "junk" }, "header:precedence=junk"],
    [{ "list-id": "<news.a.example>" }, "header:list-id"],
    [{ "list-post": "<mailto:l@a.example>" }, "header:list-post"],
    [
      { "content-type": "multipart/report; report-type=delivery-status; boundary=x" },
      "content-type:multipart/report",
    ],
    [{ "return-path": "<>" }, "return-path:null"],
  ];
  for (const [headers, reason] of cases) {
    const d = assessMail(mail(headers), OWN);
    assert.equal(d.automated, true, reason);
    assert.equal(d.auto_reply_ok, false, reason);
    assert.ok(d.reasons.includes(reason), `${reason} not in ${d.reasons}`);
  }
  assert.equal(assessMail(mail({ "auto-submitted": "no" }), OWN).automated, false);
  assert.equal(assessMail(mail({ "precedence": "first-class" }), OWN).automated, false);
});

Deno.test("system senders are automated: mailer-daemon, postmaster, owner-*, *-request and no-reply variants", () => {
  for (
    const sender of [
      "mailer-daemon@mx.a.example",
      "postmaster@a.example",
      "owner-founders@lists.a.example",
      "founders-request@lists.a.example",
      "noreply@a.example",
      "no-reply@a.example",
      "no_reply+123@a.example",
      "do-not-reply@a.example",
      "donotreply@a.example",
    ]
  ) {
    const d = assessMail(mail({}, { sender }), OWN);
    assert.equal(d.automated, true, sender);
    assert.equal(d.auto_reply_ok, false, sender);
  }
});

Deno.test("a no-reply relay with a personal Reply-To is human mail that gets no automatic reply", () => {
  const relay = mail({}, { sender: "no-reply@forms.example", replyTo: "ana@studio.example" });
  assert.deepEqual(assessMail(relay, OWN), {
    automated: false,
    auto_reply_ok: false,
    reasons: ["sender:noreply-relay"],
  });
  // A vendor pointing replies at its own desk, or a role mailbox, is still the vendor.
  for (const replyTo of ["help@forms.example", "support@elsewhere.example", "noreply@elsewhere.example"]) {
    assert.equal(
      assessMail(mail({}, { sender: "no-reply@forms.example", replyTo }), OWN).automated,
      true,
      replyTo,
    );
  }
  // List headers win over a personal Reply-To: a list post was not written to us.
  const list = mail({ "list-id": "<f.lists.example>" }, {
    sender: "no-reply@lists.example",
    replyTo: "gabe@x.example",
  });
  assert.equal(assessMail(list, OWN).automated, true);
});

Deno.test("spam or virus FAIL blocks the reply, GRAY and PROCESSING_FAILED do not", () => {
  assert.deepEqual(assessMail(mail({ "x-ses-spam-verdict": "FAIL" }), OWN).reasons, ["spam-verdict:FAIL"]);
  assert.deepEqual(assessMail(mail({ "x-ses-virus-verdict": "FAIL" }), OWN).reasons, ["virus-verdict:FAIL"]);
  for (const v of ["GRAY", "PROCESSING_FAILED"]) {
    assert.equal(
      assessMail(mail({ "x-ses-spam-verdict": v, "x-ses-virus-verdict": v }), OWN).auto_reply_ok,
      true,
    );
  }
});

Deno.test("a likely spoofed sender needs SPF fail or softfail and DKIM fail and DMARC fail", () => {
  const auth = (spf: string, dkim: string, dmarc: string) =>
    mail({
      "authentication-results":
        `amazonses.com; spf=${spf} (x) client-ip=1.2.3.4; dkim=${dkim}; dmarc=${dmarc}`,
    });
  for (const spf of ["fail", "softfail"]) {
    const d = assessMail(auth(spf, "fail", "fail"), OWN);
    assert.deepEqual([d.automated, d.auto_reply_ok], [false, false]);
    assert.match(d.reasons[0], /^auth:likely-spoofed/);
  }
  for (
    const [spf, dkim, dmarc] of [["pass", "fail", "fail"], ["fail", "pass", "pass"], [
      "softfail",
      "none",
      "none",
    ]]
  ) {
    assert.equal(assessMail(auth(spf, dkim, dmarc), OWN).auto_reply_ok, true, `${spf} ${dkim} ${dmarc}`);
  }
  // One passing DKIM signature among several is a pass.
  assert.equal(assessMail(auth("fail", "fail; dkim=pass", "fail"), OWN).auto_reply_ok, true);
});

Deno.test("DMARC failing under a reject or quarantine policy blocks the reply; under p=none it does not", () => {
  const header = (result: string) =>
    mail({ "authentication-results": `mx.google.com; spf=pass smtp.mailfrom=x@attacker.example; ${result}` });
  const cases: [string, boolean][] = [
    ["dmarc=fail (p=REJECT sp=REJECT dis=REJECT) header.from=a.example", false],
    ["dmarc=fail (p=NONE sp=QUARANTINE dis=NONE) header.from=sub.a.example", false],
    ["dkim=none header.d=none;dmarc=fail action=oreject header.from=a.example;compauth=fail", false],
    ["dmarc=fail action=pct.quarantine header.from=a.example", false],
    ["dmarc=fail (p=NONE sp=NONE dis=NONE) header.from=a.example", true],
    ["dmarc=fail header.from=a.example", true],
    ["dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=a.example", true],
  ];
  for (const [result, ok] of cases) assert.equal(assessMail(header(result), OWN).auto_reply_ok, ok, result);
  assert.deepEqual(assessMail(header(cases[0][0]), OWN).reasons, ["auth:dmarc-fail(p=reject)"]);
  // The notification's policy is read where SES's own header names none.
  const ses = mail({
    "authentication-results": "amazonses.com; spf=pass; dkim=none; dmarc=fail header.from=a.example",
  });
  const verdicts = { dmarc: "FAIL", dmarcPolicy: "quarantine" };
  assert.deepEqual(assessMail(ses, { ...OWN, verdicts }).reasons, ["auth:dmarc-fail(p=quarantine)"]);
  assert.equal(
    assessMail(ses, { ...OWN, verdicts: { dmarc: "FAIL", dmarcPolicy: "none" } }).auto_reply_ok,
    true,
  );
  // A policy in a lower (possibly forged) header counts only when SES's own result is a failure.
  const forged = mail();
  forged.headers["authentication-results"].push("evil.example; dmarc=fail (p=REJECT) header.from=a.example");
  assert.equal(assessMail(forged, OWN).auto_reply_ok, true);
  const failing = mail({ "authentication-results": "amazonses.com; spf=pass; dkim=none; dmarc=fail" });
  failing.headers["authentication-results"].push(
    "mx.google.com; dmarc=fail (p=REJECT) header.from=a.example",
  );
  assert.equal(assessMail(failing, OWN).auto_reply_ok, false);
});

Deno.test("SES notification verdicts are used alongside the headers", () => {
  assert.equal(assessMail(mail(), { ...OWN, verdicts: { spam: "FAIL" } }).auto_reply_ok, false);
  assert.equal(
    assessMail(mail(), { ...OWN, verdicts: { virus: "GRAY", spam: "PROCESSING_FAILED" } }).auto_reply_ok,
    true,
  );
  const spoofed = assessMail(mail(), { ...OWN, verdicts: { spf: "FAIL", dkim: "FAIL", dmarc: "FAIL" } });
  assert.equal(spoofed.auto_reply_ok, false);
});

Deno.test("mail claiming to come from one of our own addresses or domains gets no automatic reply", () => {
  for (const sender of ["hello@frflashy.com", "ceo@mail.frflashy.com"]) {
    assert.deepEqual(assessMail(mail({}, { sender }), OWN), {
      automated: false,
      auto_reply_ok: false,
      reasons: ["sender:own-address"],
    });
  }
  assert.equal(
    assessMail(mail({}, { sender: "sales@frflashy.com" }), { ownAddresses: ["sales@frflashy.com"] })
      .auto_reply_ok,
    false,
  );
  assert.equal(assessMail(mail({}, { sender: "x@notfrflashy.com" }), OWN).auto_reply_ok, true);
});

Deno.test("auto-reply subjects in four languages are automated, a person's sentence is not", () => {
  for (
    const subject of [
      "Automatic reply: Your invoice",
      "Out of Office: back Monday",
      "Réponse automatique : Votre essai",
      "Respuesta automática: Re: precios",
      "Automatische Antwort: Ihre Anfrage",
      "Abwesenheitsnotiz: Ihre Anfrage",
      "Undeliverable: Welcome",
    ]
  ) {
    assert.equal(assessMail(mail({}, { subject }), OWN).automated, true, subject);
  }
  for (
    const subject of ["Out of office next week, can we move the demo?", "Re: Automatic replies from your app"]
  ) {
    assert.equal(assessMail(mail({}, { subject }), OWN).automated, false, subject);
  }
});

Deno.test("a 200,000-character List- header name becomes a reason of a few hundred characters", async () => {
  const name = `List-${"a".repeat(200_000)}`;
  const raw =
    `From: jo@a.example\r\n${name}: x\r\nSubject: Pricing\r\nMessage-ID: <l@x>\r\n\r\nHow much?\r\n`;
  const parsed = await parseEmail(new TextEncoder().encode(raw));
  assert.ok(parsed.headers[name.toLowerCase()], "the parser keeps the whole name: the rules must cut it");
  const d = assessMail(parsed, OWN);
  assert.equal(d.automated, true, "still a list header");
  assert.equal(d.reasons.length, 1);
  assert.ok(d.reasons[0].startsWith("header:list-aaaa"), d.reasons[0].slice(0, 40));
  assert.ok(d.reasons[0].length <= 400, `${d.reasons[0].length} characters`);
  assert.match(d.reasons[0], /…\[\d+ more chars\]$/);
});
