/**
 * SES sending-feedback notifications for tests, written from the SES developer guide's field descriptions
 * ("Amazon SNS notification contents for Amazon SES", "Contents of event data that Amazon SES publishes to
 * Amazon SNS"): the identity-notification shape (`notificationType`) and the event-publishing shape
 * (`eventType`, with `mail.tags`), with the fields real ones carry (headers, commonHeaders, reportingMTA …).
 */

/** Which shape: identity notifications or configuration-set event publishing. */
export type Shape = "identity" | "event";

/** What a sample says. */
export interface SampleOptions {
  shape?: Shape;
  /** mail.messageId: what SendEmail returned. */
  messageId: string;
  recipients: string[];
  feedbackId?: string;
  /** Extra top-level fields (unknown ones, to check they are ignored). */
  extra?: Record<string, unknown>;
}

function mailObject(o: SampleOptions) {
  const base: Record<string, unknown> = {
    timestamp: "2026-12-05T10:00:00.000Z",
    source: "FrFlashy <hello@frflashy.com>",
    sourceArn: "arn:aws:ses:eu-west-1:111122223333:identity/frflashy.com",
    sourceIp: "192.0.2.10",
    sendingAccountId: "111122223333",
    callerIdentity: "ses-daemon-bot",
    messageId: o.messageId,
    destination: o.recipients,
    headersTruncated: false,
    headers: [
      { name: "From", value: "FrFlashy <hello@frflashy.com>" },
      { name: "To", value: o.recipients.join(", ") },
      { name: "Subject", value: "Re: pricing" },
      { name: "Auto-Submitted", value: "auto-replied" },
    ],
    commonHeaders: {
      from: ["FrFlashy <hello@frflashy.com>"],
      to: o.recipients,
      messageId: "<ses-daemon-bot.1.send_info_reply@frflashy.com>",
      subject: "Re: pricing",
    },
  };
  if (o.shape === "event") {
    base.tags = { "ses:configuration-set": ["bot"], "ses:from-domain": ["frflashy.com"] };
  }
  return base;
}

function top(o: SampleOptions, type: string): Record<string, unknown> {
  return o.shape === "event" ? { eventType: type } : { notificationType: type };
}

/** A bounce notification (SES JSON, not wrapped). */
export function bounce(
  o: SampleOptions & { bounceType?: string; subType?: string; status?: string; diagnostic?: string },
): Record<string, unknown> {
  return {
    ...top(o, "Bounce"),
    bounce: {
      bounceType: o.bounceType ?? "Permanent",
      bounceSubType: o.subType ?? "General",
      bouncedRecipients: o.recipients.map((emailAddress) => ({
        emailAddress,
        action: "failed",
        status: o.status ?? "5.1.1",
        diagnosticCode: o.diagnostic ?? "smtp; 550 5.1.1 <" + emailAddress + ">: Recipient address rejected",
      })),
      timestamp: "2026-12-05T10:00:02.000Z",
      feedbackId: o.feedbackId ?? `0102-bounce-${crypto.randomUUID()}-000000`,
      remoteMtaIp: "198.51.100.7",
      reportingMTA: "dsn; b224-13.smtp-out.eu-west-1.amazonses.com",
    },
    mail: mailObject(o),
    ...o.extra,
  };
}

/** A complaint notification. */
export function complaint(o: SampleOptions & { feedbackType?: string }): Record<string, unknown> {
  return {
    ...top(o, "Complaint"),
    complaint: {
      ...(o.shape === "event" ? {} : { userAgent: "ExampleISP Feedback Loop (V0.02)" }),
      complainedRecipients: o.recipients.map((emailAddress) => ({ emailAddress })),
      ...(o.feedbackType === undefined
        ? { complaintFeedbackType: "abuse" }
        : o.feedbackType
        ? { complaintFeedbackType: o.feedbackType }
        : {}),
      complaintSubType: null,
      arrivalDate: "2026-12-05T10:03:00.000Z",
      timestamp: "2026-12-05T10:04:00.000Z",
      feedbackId: o.feedbackId ?? `0102-complaint-${crypto.randomUUID()}-000000`,
    },
    mail: mailObject(o),
    ...o.extra,
  };
}

/** A delivery notification. */
export function delivery(o: SampleOptions): Record<string, unknown> {
  return {
    ...top(o, "Delivery"),
    delivery: {
      timestamp: "2026-12-05T10:00:01.500Z",
      processingTimeMillis: 1500,
      recipients: o.recipients,
      smtpResponse: "250 2.0.0 OK 1733392801 a1si123456wra.42 - gsmtp",
      reportingMTA: "b224-13.smtp-out.eu-west-1.amazonses.com",
      remoteMtaIp: "198.51.100.8",
    },
    mail: mailObject(o),
    ...o.extra,
  };
}

/** An SNS envelope around `ses` (as SQS receives it, or as a saved notification). */
export function inEnvelope(ses: unknown, topicArn = "arn:aws:sns:eu-west-1:111122223333:ses-feedback") {
  return {
    Type: "Notification",
    MessageId: crypto.randomUUID(),
    TopicArn: topicArn,
    Message: JSON.stringify(ses),
    Timestamp: new Date().toISOString(),
    SignatureVersion: "1",
    Signature: "not-checked-on-sqs",
    SigningCertURL: "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-x.pem",
    UnsubscribeURL: "https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe",
  };
}
