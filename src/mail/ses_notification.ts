/**
 * The SES receipt notification that an S3 action publishes to SNS, as SQS or the HTTPS endpoint hands it over:
 * wrapped in an SNS envelope, or bare when the subscription has raw message delivery on. Pure: no I/O.
 * Format: "Contents of notifications for Amazon SES email receiving" in the SES developer guide.
 */

/** SES's checks of a received message ("PASS", "FAIL", "GRAY", …), as the rules read them. */
export type { SesVerdicts } from "./automated.ts";
import type { SesVerdicts } from "./automated.ts";

/** Where SES stored one received message, and what it thought of it. */
export interface SesNotification {
  /** `receipt.action.bucketName`. */
  bucket: string;
  /** `receipt.action.objectKey`, as SES wrote it (never rebuilt from the prefix and message id). */
  key: string;
  /** `mail.messageId`: SES's id of the message (not the Message-ID header). */
  messageId: string;
  /** The SNS envelope's `MessageId`; absent with raw message delivery. Retries of one publish share it. */
  snsMessageId?: string;
  /** The SNS topic: the envelope's `TopicArn`, else `receipt.action.topicArn`. */
  topicArn?: string;
  verdicts: SesVerdicts;
  /** `mail.timestamp`: when SES received the message (ISO 8601). */
  timestamp?: string;
}

/** The fields of an SNS envelope that this module reads. */
export interface SnsEnvelopeLike {
  Type: string;
  Message: string;
  MessageId?: unknown;
  TopicArn?: unknown;
}

/** Whether `value` looks like an SNS envelope (`Type` and `Message` strings), not a bare SES notification. */
export function isSnsEnvelope(value: unknown): value is SnsEnvelopeLike {
  return isObject(value) && typeof value.Type === "string" && typeof value.Message === "string";
}

/**
 * Reads an SES receipt notification from `text`: an SNS envelope (`Type: "Notification"`, the SES JSON in
 * `Message`) or the SES JSON itself. Returns `{ error }` for anything that does not name an S3 object.
 */
export function parseSesNotification(text: string): SesNotification | { error: string } {
  const outer = parseJson(text);
  if (outer === undefined) return fail("not JSON");
  let ses: unknown = outer;
  let snsMessageId: string | undefined;
  let envelopeTopic: string | undefined;
  if (isSnsEnvelope(outer)) {
    if (outer.Type !== "Notification") return fail(`SNS message type is "${outer.Type}", not "Notification"`);
    ses = parseJson(outer.Message);
    if (ses === undefined) return fail("the SNS Message is not JSON");
    snsMessageId = stringOr(outer.MessageId);
    envelopeTopic = stringOr(outer.TopicArn);
  }
  if (!isObject(ses)) return fail("not a JSON object");
  if (ses.notificationType !== "Received") {
    return fail(`notificationType is ${describe(ses.notificationType)}, not "Received"`);
  }
  const receipt = isObject(ses.receipt) ? ses.receipt : {};
  const action = isObject(receipt.action) ? receipt.action : {};
  if (action.type !== "S3") {
    // The SNS action carries the mail inline (150 KB at most, else SES bounces it) and stores nothing to fetch.
    return fail(
      `receipt.action.type is ${describe(action.type)}, not "S3"; the receipt rule must use the S3 action ` +
        `(with an SNS topic) so that the message is stored in S3`,
    );
  }
  const bucket = stringOr(action.bucketName);
  const key = stringOr(action.objectKey);
  if (!bucket) return fail("no receipt.action.bucketName");
  if (!key) return fail("no receipt.action.objectKey");
  const mail = isObject(ses.mail) ? ses.mail : {};
  const messageId = stringOr(mail.messageId);
  if (!messageId) return fail("no mail.messageId");

  const result: SesNotification = { bucket, key, messageId, verdicts: verdictsOf(receipt) };
  const topicArn = envelopeTopic ?? stringOr(action.topicArn);
  if (snsMessageId) result.snsMessageId = snsMessageId;
  if (topicArn) result.topicArn = topicArn;
  const timestamp = stringOr(mail.timestamp);
  if (timestamp) result.timestamp = timestamp;
  return result;
}

const VERDICT_FIELDS = {
  spam: "spamVerdict",
  virus: "virusVerdict",
  spf: "spfVerdict",
  dkim: "dkimVerdict",
  dmarc: "dmarcVerdict",
} as const;

function verdictsOf(receipt: Record<string, unknown>): SesVerdicts {
  const verdicts: SesVerdicts = {};
  for (const [name, field] of Object.entries(VERDICT_FIELDS)) {
    const verdict = receipt[field];
    const status = isObject(verdict) ? stringOr(verdict.status) : undefined;
    if (status) verdicts[name as keyof SesVerdicts] = status;
  }
  // A plain string ("reject"), present only when DMARC failed.
  const policy = stringOr(receipt.dmarcPolicy);
  if (policy) verdicts.dmarcPolicy = policy.slice(0, 20).toLowerCase();
  return verdicts;
}

function fail(reason: string): { error: string } {
  return { error: `Cannot read SES notification: ${reason}` };
}

/** The JSON value of `text`, or undefined when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringOr(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** A field's value for an error message, short whatever the input. */
function describe(value: unknown): string {
  if (value === undefined) return "missing";
  return JSON.stringify(value).slice(0, 60);
}
