import assert from "node:assert/strict";
import { isSnsEnvelope, parseSesNotification, type SesNotification } from "../src/mail/ses_notification.ts";

const TOPIC = "arn:aws:sns:eu-west-1:123456789012:ses-inbound";

/** An SES receipt notification of an S3 action, shaped as in the SES developer guide's examples. */
function sesJson(overrides: { receipt?: object; action?: object; mail?: object; top?: object } = {}) {
  return {
    notificationType: "Received",
    mail: {
      timestamp: "2026-03-01T12:00:00.000Z",
      source: "jane@example.org",
      messageId: "o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1",
      destination: ["hello@example.com"],
      headersTruncated: false,
      commonHeaders: { subject: "Pricing", messageId: "<abc@example.org>" },
      ...overrides.mail,
    },
    receipt: {
      timestamp: "2026-03-01T12:00:00.000Z",
      processingTimeMillis: 420,
      recipients: ["hello@example.com"],
      spamVerdict: { status: "PASS" },
      virusVerdict: { status: "PASS" },
      spfVerdict: { status: "GRAY" },
      dkimVerdict: { status: "FAIL" },
      dmarcVerdict: { status: "PROCESSING_FAILED" },
      dmarcPolicy: "reject",
      action: {
        type: "S3",
        topicArn: TOPIC,
        bucketName: "ses-inbound",
        objectKeyPrefix: "incoming/",
        // Not prefix + messageId, so that a parser that builds the key fails.
        objectKey: "incoming/custom-name-from-ses",
        ...overrides.action,
      },
      ...overrides.receipt,
    },
    ...overrides.top,
  };
}

function envelope(message: unknown, fields: object = {}): string {
  return JSON.stringify({
    Type: "Notification",
    MessageId: "8b5f8f1c-0000-4000-8000-000000000001",
    TopicArn: TOPIC,
    Subject: "Amazon SES Email Receipt Notification",
    Message: typeof message === "string" ? message : JSON.stringify(message),
    Timestamp: "2026-03-01T12:00:01.000Z",
    SignatureVersion: "1",
    Signature: "c2lnbmF0dXJl",
    SigningCertURL: "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-x.pem",
    ...fields,
  });
}

function parsed(text: string): SesNotification {
  const result = parseSesNotification(text);
  assert.ok(!("error" in result), "error" in result ? result.error : "");
  return result;
}

function errorOf(text: string): string {
  const result = parseSesNotification(text);
  assert.ok("error" in result, `expected an error, got ${JSON.stringify(result)}`);
  return result.error;
}

Deno.test("an SNS envelope gives the bucket, the key as SES wrote it, the ids and the verdicts", () => {
  assert.deepEqual(parsed(envelope(sesJson())), {
    bucket: "ses-inbound",
    key: "incoming/custom-name-from-ses",
    messageId: "o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1",
    snsMessageId: "8b5f8f1c-0000-4000-8000-000000000001",
    topicArn: TOPIC,
    verdicts: {
      spam: "PASS",
      virus: "PASS",
      spf: "GRAY",
      dkim: "FAIL",
      dmarc: "PROCESSING_FAILED",
      dmarcPolicy: "reject",
    },
    timestamp: "2026-03-01T12:00:00.000Z",
  });
});

Deno.test("a raw delivery (the bare SES JSON) gives the same, with the topic from the action", () => {
  assert.deepEqual(parsed(JSON.stringify(sesJson())), {
    bucket: "ses-inbound",
    key: "incoming/custom-name-from-ses",
    messageId: "o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1",
    topicArn: TOPIC,
    verdicts: {
      spam: "PASS",
      virus: "PASS",
      spf: "GRAY",
      dkim: "FAIL",
      dmarc: "PROCESSING_FAILED",
      dmarcPolicy: "reject",
    },
    timestamp: "2026-03-01T12:00:00.000Z",
  });
});

Deno.test("verdicts that the notification lacks are left out", () => {
  const receipt = {
    spamVerdict: undefined,
    virusVerdict: { status: "FAIL" },
    spfVerdict: {},
    dkimVerdict: "PASS",
    dmarcVerdict: undefined,
    dmarcPolicy: undefined,
  };
  assert.deepEqual(parsed(envelope(sesJson({ receipt }))).verdicts, { virus: "FAIL" });
});

Deno.test("a key with spaces and unicode is returned exactly as SES wrote it", () => {
  const key = "incoming/a b+ü%20";
  assert.equal(parsed(envelope(sesJson({ action: { objectKey: key } }))).key, key);
});

Deno.test("text that is not JSON, or an SNS Message that is not JSON, is an error", () => {
  assert.equal(errorOf("not json {"), "Cannot read SES notification: not JSON");
  assert.equal(errorOf(""), "Cannot read SES notification: not JSON");
  assert.equal(errorOf(envelope("plain text")), "Cannot read SES notification: the SNS Message is not JSON");
  assert.equal(errorOf("[1,2]"), "Cannot read SES notification: not a JSON object");
});

Deno.test("a subscription confirmation in the queue is not a notification", () => {
  const text = envelope("You have chosen to subscribe", { Type: "SubscriptionConfirmation" });
  assert.match(errorOf(text), /SNS message type is "SubscriptionConfirmation", not "Notification"/);
});

Deno.test("a notification that is not Received (a bounce, SES's setup test) is an error", () => {
  assert.match(
    errorOf(envelope(sesJson({ top: { notificationType: "Bounce" } }))),
    /^Cannot read SES notification: notificationType is "Bounce", not "Received"$/,
  );
  assert.match(
    errorOf(envelope({ notificationType: "AMAZON_SES_SETUP_NOTIFICATION" })),
    /notificationType is "AMAZON_SES_SETUP_NOTIFICATION"/,
  );
  assert.match(errorOf(envelope({ hello: 1 })), /notificationType is missing/);
});

Deno.test("an SNS action (mail inline) says the receipt rule must use the S3 action", () => {
  const sns = sesJson({ action: { type: "SNS", bucketName: undefined, objectKey: undefined } });
  const error = errorOf(envelope({ ...sns, content: "From: jane@example.org\r\n\r\nhello" }));
  assert.match(error, /receipt\.action\.type is "SNS", not "S3"; the receipt rule must use the S3 action/);
  assert.match(errorOf(envelope(sesJson({ action: { type: "Lambda" } }))), /type is "Lambda"/);
  assert.match(errorOf(envelope(sesJson({ receipt: { action: undefined } }))), /type is missing, not "S3"/);
});

Deno.test("an S3 action without a bucket, a key or a message id is an error", () => {
  assert.equal(
    errorOf(envelope(sesJson({ action: { bucketName: undefined } }))),
    "Cannot read SES notification: no receipt.action.bucketName",
  );
  assert.equal(
    errorOf(envelope(sesJson({ action: { objectKey: "" } }))),
    "Cannot read SES notification: no receipt.action.objectKey",
  );
  assert.equal(
    errorOf(envelope(sesJson({ mail: { messageId: 42 } }))),
    "Cannot read SES notification: no mail.messageId",
  );
});

Deno.test("isSnsEnvelope tells an envelope from a bare SES notification", () => {
  assert.equal(isSnsEnvelope(JSON.parse(envelope(sesJson()))), true);
  assert.equal(isSnsEnvelope(sesJson()), false);
  assert.equal(isSnsEnvelope({ Type: "Notification" }), false);
  assert.equal(isSnsEnvelope({ Type: "Notification", Message: {} }), false);
  assert.equal(isSnsEnvelope(null), false);
  assert.equal(isSnsEnvelope("Type"), false);
  assert.equal(isSnsEnvelope([{ Type: "Notification", Message: "" }]), false);
});
