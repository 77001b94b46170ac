/**
 * SES sending feedback (bounces, complaints, deliveries for the mail we send), in both shapes SES publishes:
 * identity notifications (`notificationType`) and configuration-set event publishing (`eventType`), each
 * inside an SNS envelope or bare (raw message delivery, or a file saved from either). Pure: no I/O.
 * Formats: "Amazon SNS notification contents for Amazon SES" and "Contents of event data that Amazon SES
 * publishes to Amazon SNS" in the SES developer guide. SES reserves the right to add fields: only the fields
 * below are read, anything else is ignored.
 */
import { isObject, isSnsEnvelope, parseJson } from "../mail/ses_notification.ts";

/** What a notification says about one recipient. */
export type FeedbackKind = "bounce" | "complaint" | "delivery";

/** One recipient's feedback: one row of the `feedback` table. */
export interface Feedback {
  /**
   * Unique per notification and recipient: `<feedbackId>:<address>` for bounces and complaints (one
   * feedbackId may list several recipients), `delivery:<mail.messageId>:<address>` for deliveries (which have
   * no feedbackId). A repeat (SNS and SQS deliver at least once) has the same id.
   */
  id: string;
  kind: FeedbackKind;
  /** The recipient, normalised (trimmed, lower case). */
  recipient: string;
  /** Bounces: Permanent, Transient or Undetermined. */
  bounceType?: string;
  /** Bounces: General, NoEmail, Suppressed, OnAccountSuppressionList, MailboxFull, …; complaints: the feedback type. */
  subType?: string;
  /** The remote server's words, when given (bounce diagnosticCode, delivery smtpResponse). */
  detail?: string;
  /** `mail.messageId`: the id SendEmail returned, which links it to our effect. */
  sesMessageId: string;
  /** When it happened, by SES's clock (ISO 8601), when given. */
  timestamp?: string;
}

/** A notification read: its recipients' feedback, or why it is none. */
export type ParsedFeedback =
  | { feedback: Feedback[]; ignored?: undefined; error?: undefined }
  | { ignored: string; feedback?: undefined; error?: undefined }
  | { error: string; feedback?: undefined; ignored?: undefined };

/**
 * Event types we read; the others (Send, Reject, Open, Click, Rendering Failure, DeliveryDelay,
 * Subscription) are valid events that change nothing here.
 */
const KINDS: Record<string, FeedbackKind> = {
  Bounce: "bounce",
  Complaint: "complaint",
  Delivery: "delivery",
};

/** Normalises an address as the suppression list keys it: trimmed, lower case, without angle brackets. */
export function normaliseAddress(address: string): string {
  const a = address.trim();
  const inside = /<([^<>]*)>\s*$/.exec(a);
  return (inside ? inside[1] : a).trim().toLowerCase();
}

/**
 * Reads one notification from `text`: an SNS envelope (`Type: "Notification"`, the SES JSON in `Message`)
 * or the SES JSON itself. `ignored` for well-formed notifications that carry no feedback (an event type we do
 * not use, a receipt notification); `error` for what is not an SES notification at all.
 */
export function parseFeedback(text: string): ParsedFeedback {
  const outer = parseJson(text);
  if (outer === undefined) return fail("not JSON");
  return parseFeedbackValue(outer);
}

/** As {@linkcode parseFeedback}, for a value already parsed from JSON. */
export function parseFeedbackValue(outer: unknown): ParsedFeedback {
  let ses: unknown = outer;
  if (isSnsEnvelope(outer)) {
    if (outer.Type !== "Notification") {
      return { ignored: `SNS message type is "${clip(outer.Type)}", not "Notification"` };
    }
    ses = parseJson(outer.Message);
    if (ses === undefined) return fail("the SNS Message is not JSON");
  }
  if (!isObject(ses)) return fail("not a JSON object");
  const type = typeof ses.eventType === "string" ? ses.eventType : ses.notificationType;
  if (typeof type !== "string") return fail("neither notificationType nor eventType");
  const kind = KINDS[type];
  if (!kind) return { ignored: `${clip(type)} is not a bounce, complaint or delivery` };
  const mail = isObject(ses.mail) ? ses.mail : {};
  const sesMessageId = str(mail.messageId);
  if (!sesMessageId) return fail("no mail.messageId");
  const body = ses[kind];
  if (!isObject(body)) return fail(`no ${kind} object`);
  const timestamp = str(body.timestamp);
  const list = (value: unknown, field?: string) =>
    (Array.isArray(value) ? value : [])
      .map((r) => field ? (isObject(r) ? str(r[field]) : undefined) : str(r))
      .filter((a): a is string => !!a);

  const out: Feedback[] = [];
  if (kind === "bounce") {
    const feedbackId = str(body.feedbackId);
    if (!feedbackId) return fail("no bounce.feedbackId");
    const bounceType = str(body.bounceType) ?? "Undetermined";
    const subType = str(body.bounceSubType) ?? "Undetermined";
    const recipients = Array.isArray(body.bouncedRecipients) ? body.bouncedRecipients : [];
    for (const r of recipients) {
      if (!isObject(r) || !str(r.emailAddress)) continue;
      const recipient = normaliseAddress(str(r.emailAddress)!);
      const detail = str(r.diagnosticCode) ?? str(r.status);
      out.push({
        id: `${feedbackId}:${recipient}`,
        kind,
        recipient,
        bounceType,
        subType,
        ...(detail ? { detail: clip(detail, 1000) } : {}),
        sesMessageId,
        ...(timestamp ? { timestamp } : {}),
      });
    }
  } else if (kind === "complaint") {
    const feedbackId = str(body.feedbackId);
    if (!feedbackId) return fail("no complaint.feedbackId");
    // complaintFeedbackType is absent when the provider sent no ARF type; complaintSubType is null, or
    // "OnAccountSuppressionList" when SES did not send at all.
    const subType = str(body.complaintSubType) ?? str(body.complaintFeedbackType);
    for (const address of list(body.complainedRecipients, "emailAddress")) {
      const recipient = normaliseAddress(address);
      out.push({
        id: `${feedbackId}:${recipient}`,
        kind,
        recipient,
        ...(subType ? { subType } : {}),
        sesMessageId,
        ...(timestamp ? { timestamp } : {}),
      });
    }
  } else {
    const detail = str(body.smtpResponse);
    for (const address of list(body.recipients)) {
      const recipient = normaliseAddress(address);
      out.push({
        id: `delivery:${sesMessageId}:${recipient}`,
        kind,
        recipient,
        ...(detail ? { detail: clip(detail, 1000) } : {}),
        sesMessageId,
        ...(timestamp ? { timestamp } : {}),
      });
    }
  }
  if (out.length === 0) return fail(`the ${kind} names no recipient`);
  return { feedback: out };
}

/**
 * Splits a saved file into notifications: one JSON value (an object, or an array of them), or one per line
 * (JSON lines). Returns the values, or an error naming the first line that is not JSON.
 */
export function splitNotifications(text: string): { values: unknown[] } | { error: string } {
  const whole = parseJson(text);
  if (whole !== undefined) return { values: Array.isArray(whole) ? whole : [whole] };
  const values: unknown[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === "") continue;
    const value = parseJson(lines[i]);
    if (value === undefined) return { error: `line ${i + 1} is not JSON` };
    values.push(value);
  }
  return { values };
}

function fail(reason: string): { error: string } {
  return { error: `Cannot read SES feedback notification: ${reason}` };
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

function clip(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
