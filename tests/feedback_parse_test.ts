import assert from "node:assert/strict";
import { normaliseAddress, parseFeedback, splitNotifications } from "../src/feedback/parse.ts";
import { bounce, complaint, delivery, inEnvelope } from "./helpers/ses_feedback.ts";

const ID = "0102018f-test-message-000000";

for (const shape of ["identity", "event"] as const) {
  Deno.test(`an ${shape} bounce gives one feedback per recipient, bare or in an SNS envelope`, () => {
    const ses = bounce({
      shape,
      messageId: ID,
      recipients: ["Ann@Example.com", " bob@example.org "],
      feedbackId: "fb-1",
      bounceType: "Permanent",
      subType: "NoEmail",
    });
    for (const text of [JSON.stringify(ses), JSON.stringify(inEnvelope(ses))]) {
      const r = parseFeedback(text);
      assert.ok(r.feedback, r.error ?? r.ignored);
      assert.deepEqual(r.feedback.map((f) => f.id), ["fb-1:ann@example.com", "fb-1:bob@example.org"]);
      assert.equal(r.feedback[0].kind, "bounce");
      assert.equal(r.feedback[0].bounceType, "Permanent");
      assert.equal(r.feedback[0].subType, "NoEmail");
      assert.equal(r.feedback[0].sesMessageId, ID);
      assert.match(r.feedback[0].detail!, /550 5\.1\.1/);
    }
  });

  Deno.test(`an ${shape} complaint and delivery are read; a delivery's id is message id and recipient`, () => {
    const c = parseFeedback(JSON.stringify(complaint({ shape, messageId: ID, recipients: ["x@y.com"] })));
    assert.equal(c.feedback?.[0].kind, "complaint");
    assert.equal(c.feedback?.[0].subType, "abuse");
    const d = parseFeedback(
      JSON.stringify(inEnvelope(delivery({ shape, messageId: ID, recipients: ["X@y.com"] }))),
    );
    assert.equal(d.feedback?.[0].kind, "delivery");
    assert.equal(d.feedback?.[0].id, `delivery:${ID}:x@y.com`);
    assert.match(d.feedback![0].detail!, /^250/);
  });
}

Deno.test("unknown fields anywhere change nothing", () => {
  const ses = bounce({
    messageId: ID,
    recipients: ["a@b.com"],
    feedbackId: "fb-2",
    extra: { newTopLevel: { nested: [1, 2] }, eventVersion: 7 },
  });
  (ses.bounce as Record<string, unknown>).someFutureField = "x";
  (ses.mail as Record<string, unknown>).anotherOne = null;
  const r = parseFeedback(JSON.stringify(ses));
  assert.equal(r.feedback?.[0].id, "fb-2:a@b.com");
});

Deno.test("a complaint without a feedback type, and a bounce without a subtype, are still read", () => {
  const c = complaint({ messageId: ID, recipients: ["a@b.com"], feedbackType: "" });
  assert.equal(parseFeedback(JSON.stringify(c)).feedback?.[0].subType, undefined);
  const b = bounce({ messageId: ID, recipients: ["a@b.com"] });
  delete (b.bounce as Record<string, unknown>).bounceSubType;
  assert.equal(parseFeedback(JSON.stringify(b)).feedback?.[0].subType, "Undetermined");
});

Deno.test("other event types and receipt notifications are ignored; garbage is an error", () => {
  const send = { eventType: "Send", mail: { messageId: ID }, send: {} };
  assert.match(parseFeedback(JSON.stringify(send)).ignored!, /Send is not/);
  assert.match(parseFeedback(JSON.stringify({ notificationType: "Received" })).ignored!, /Received/);
  assert.match(
    parseFeedback(JSON.stringify({ Type: "SubscriptionConfirmation", Message: "x" })).ignored!,
    /SubscriptionConfirmation/,
  );
  assert.match(parseFeedback("nope").error!, /not JSON/);
  assert.match(parseFeedback("{}").error!, /neither notificationType nor eventType/);
  assert.match(parseFeedback(JSON.stringify({ notificationType: "Bounce", mail: {} })).error!, /messageId/);
  const noId = bounce({ messageId: ID, recipients: ["a@b.com"] });
  delete (noId.bounce as Record<string, unknown>).feedbackId;
  assert.match(parseFeedback(JSON.stringify(noId)).error!, /feedbackId/);
});

Deno.test("addresses are normalised: trimmed, lower case, angle brackets dropped", () => {
  assert.equal(normaliseAddress("  Ann <ANN@Example.COM> "), "ann@example.com");
  assert.equal(normaliseAddress("Bob@X.org"), "bob@x.org");
});

Deno.test("a saved file may hold one notification, an array, or JSON lines", () => {
  const a = bounce({ messageId: ID, recipients: ["a@b.com"] });
  const b = complaint({ messageId: ID, recipients: ["a@b.com"] });
  assert.equal((splitNotifications(JSON.stringify(a)) as { values: unknown[] }).values.length, 1);
  assert.equal((splitNotifications(JSON.stringify([a, b])) as { values: unknown[] }).values.length, 2);
  const lines = `${JSON.stringify(a)}\n\n${JSON.stringify(inEnvelope(b))}\n`;
  assert.equal((splitNotifications(lines) as { values: unknown[] }).values.length, 2);
  assert.deepEqual(splitNotifications(`${JSON.stringify(a)}\n{oops`), { error: "line 2 is not JSON" });
});
