import assert from "node:assert/strict";
import { join } from "node:path";
import { type AssessableMail, assessMail } from "../src/mail/automated.ts";
import { leadOf } from "../src/mail/automated_content.ts";
import { parseEmail } from "../src/mail/parse.ts";

const OWN = { ownAddresses: ["@frflashy.com"] };
const AUTOMATED = new URL("./fixtures/automated/", import.meta.url).pathname;

/** A message from a person at a.example with nothing automated in its headers. */
function mail(fields: Partial<AssessableMail>): AssessableMail {
  return {
    headers: { "return-path": ["<jo@a.example>"], "content-type": ["text/plain; charset=utf-8"] },
    sender: "jo@a.example",
    replyTo: undefined,
    subject: "Hello",
    body: "",
    ...fields,
  };
}

Deno.test("people who quote a bounce, mention their holiday or say 'report' are still people", () => {
  const people: Partial<AssessableMail>[] = [
    {
      subject: "Fwd: Undelivered Mail Returned to Sender",
      body: "Hi, I tried to write to your support and got this back. Can you help?\n\n" +
        "---------- Forwarded message ---------\nFrom: Mail Delivery System <MAILER-DAEMON@mx.a.example>\n\n" +
        "This is the mail system at host mx.a.example.\n\nI'm sorry to have to inform you that your message could not\n",
    },
    {
      subject: "Pricing before my vacation",
      body:
        "I'll be out of the office next week and will return on the 16th. Could you send the pricing before?",
    },
    { subject: "Vacation", body: "Can I pause my subscription while I'm on vacation in December?" },
    {
      subject: "Absence of invoices",
      body: "I am away from the office a lot, so please send the invoices to accounts@a.example. Thanks.",
    },
    {
      subject: "Spam report",
      body: "Your newsletter keeps landing in my inbox after I unsubscribed. Stop it.",
    },
    { subject: "Feedback report on the new editor", body: "The new editor is great but slow on big files." },
    { subject: "Read: your proposal", body: "I read your proposal and have one question about seats." },
    {
      subject: "Returned to sender",
      body: "The parcel you sent came back to us, what should we do with it?",
    },
    {
      subject: "New address",
      body: "Please do not reply to this email address any more, write to my new one: jo@b.example",
    },
    {
      subject: "Error when sending",
      body: "When I send to your support address I get 550 5.1.1 User unknown. Which address should I use?",
    },
  ];
  for (const fields of people) {
    const d = assessMail(mail(fields), OWN);
    assert.equal(d.automated, false, `${fields.subject}: ${JSON.stringify(d.reasons)}`);
    assert.equal(d.auto_reply_ok, true, `${fields.subject}`);
  }
});

Deno.test("bounce texts of each MTA are recognised from the body alone, with no header giving them away", async () => {
  const kinds: Record<string, string> = JSON.parse(await Deno.readTextFile(join(AUTOMATED, "kinds.json")));
  const missed: string[] = [];
  let checked = 0;
  for (const [file, kind] of Object.entries(kinds)) {
    if (kind !== "dsn" && kind !== "dsn-delay") continue;
    const parsed = await parseEmail(await Deno.readFile(join(AUTOMATED, file)));
    // Only the body is left: a neutral sender, subject and headers.
    const d = assessMail(mail({ body: parsed.body, sender: "relay@gateway.example" }), OWN);
    if (!parsed.sender || file.startsWith("no-")) continue; // a missing sender is part of those fixtures
    checked++;
    if (!d.automated) missed.push(file);
  }
  assert.ok(checked >= 25, `${checked} bounces checked`);
  assert.deepEqual(missed, []);
});

Deno.test("weaker signs count only together: a missing sender with DSN fields, a report subject with the original", () => {
  const fields = "Final-Recipient: rfc822; x@b.example\nAction: failed\nStatus: 5.1.1\n";
  assert.equal(assessMail(mail({ sender: "", body: fields }), OWN).automated, true);
  assert.equal(assessMail(mail({ body: fields }), OWN).automated, false, "a person pasting DSN fields");
  const report = { subject: "Abuse report", body: "See the attached message." };
  assert.equal(assessMail(mail(report), OWN).automated, false);
  const withOriginal = assessMail(mail({ ...report, attachments: [{ mime_type: "message/rfc822" }] }), OWN);
  assert.deepEqual(withOriginal.reasons, ["subject:report+attached-message"]);
  // The body postal-mime writes for an inline message/rfc822 part counts as an attached original too.
  const inline = assessMail(
    mail({
      subject: "Re: Welcome",
      body: "We received a complaint from one of our users about the attached message.\n\n" +
        "-----------------------------------\nFrom: FrFlashy <hello@frflashy.com>\nSubject: Welcome\n" +
        "-----------------------------------\n\nHello,",
    }),
    OWN,
  );
  assert.deepEqual(inline.reasons, ["body:report+attached-message"]);
  assert.equal(
    assessMail(mail({ subject: "Thanks", body: "Please do not reply to this email." }), OWN).automated,
    false,
  );
});

Deno.test("sender spellings of carriers and list managers are system senders", () => {
  for (
    const sender of [
      "post_master@docomo.ne.jp",
      "Postmaster@softbank.ne.jp",
      "mailer_daemon@x.example",
      "founders-owner@lists.x.example",
      "founders-bounces@lists.x.example",
      "bounces+12345@mail.x.example",
      "scomp@aol.net",
      "fbl@isp.example",
    ]
  ) {
    assert.equal(assessMail(mail({ sender: sender.toLowerCase() }), OWN).automated, true, sender);
  }
  for (const sender of ["bouncer.jo@x.example", "postmasters-guild@x.example", "fblanc@x.example"]) {
    assert.equal(assessMail(mail({ sender }), OWN).automated, false, sender);
  }
});

Deno.test("a relay is human when the person is in the display name or a personal Reply-To on the same domain", () => {
  const relay = (sender: string, senderName: string | undefined, replyTo?: string) =>
    assessMail(mail({ sender, senderName, replyTo }), OWN);
  assert.deepEqual(relay("noreply@shop.example", "Marc via Shop").reasons, ["sender:noreply-relay"]);
  assert.deepEqual(relay("noreply@shop.example", "Marc Dubois (via Contact form)").reasons, [
    "sender:noreply-relay",
  ]);
  assert.equal(relay("no-reply@acme.example", "Erik", "erik.lindqvist@acme.example").automated, false);
  assert.equal(relay("no-reply@acme.example", "Erik Lindqvist", "erik@acme.example").automated, false);
  // The vendor's own desks and tracking addresses on its domain are not a person.
  for (
    const replyTo of ["support@acme.example", "orders-team@acme.example", "reply-8f3a9c2e1b7d@acme.example"]
  ) {
    assert.equal(relay("no-reply@acme.example", "Acme", replyTo).automated, true, replyTo);
  }
  assert.equal(relay("noreply@acme.example", "Acme Notifications").automated, true);
});

Deno.test("the lead stops at a forwarded or quoted message", () => {
  assert.equal(leadOf("Mine.\n\n---------- Forwarded message ---------\nTheirs"), "Mine.\n\n");
  assert.equal(leadOf("Mine.\nOn Tue, 10 Nov 2026, Ana <a@b.example> wrote:\n> theirs"), "Mine.\n");
  assert.equal(leadOf("Mine.\n> quoted"), "Mine.\n");
});
