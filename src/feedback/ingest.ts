/**
 * Feedback into the database: one notification (SNS envelope or bare SES JSON) becomes a `feedback` row per
 * recipient, with the suppression rules applied in the same statement. Shared by the SQS queue, the SNS
 * endpoint and the `feedback` command, so the three cannot drift apart.
 */
import type { Logger } from "@logtape/logtape";
import type { Queryable } from "../db/client.ts";
import { recordFeedback, type SuppressionRules } from "../db/feedback.ts";
import { count } from "../metrics.ts";
import { isSnsEnvelope } from "../mail/ses_notification.ts";
import { parseFeedbackValue } from "./parse.ts";

/** What one notification gave. */
export interface FeedbackSummary {
  /** Recipients' feedback stored (new). */
  stored: number;
  /** Recipients' feedback seen before (SNS and SQS deliver at least once): nothing changed. */
  repeats: number;
  /** Addresses newly suppressed. */
  suppressed: number;
  /** Well-formed notifications that carry no feedback (Send, Open, … events; receipts). */
  ignored: number;
  /** Notifications that are not SES notifications at all, with why. */
  errors: string[];
}

/** An empty summary. */
export function emptySummary(): FeedbackSummary {
  return { stored: 0, repeats: 0, suppressed: 0, ignored: 0, errors: [] };
}

/** Adds `b` to `a`. */
export function addSummary(a: FeedbackSummary, b: FeedbackSummary): void {
  a.stored += b.stored;
  a.repeats += b.repeats;
  a.suppressed += b.suppressed;
  a.ignored += b.ignored;
  a.errors.push(...b.errors);
}

/**
 * Stores one notification (`value`, parsed JSON) from `source` (sqs, sns, file). Throws only when the
 * database does (the caller retries: the queue message stays, SNS gets a 500).
 */
export async function ingestFeedback(
  q: Queryable,
  value: unknown,
  options: { source: string; rules: SuppressionRules; log?: Logger; now?: Date },
): Promise<FeedbackSummary> {
  const summary = emptySummary();
  const parsed = parseFeedbackValue(value);
  if (parsed.error !== undefined) {
    summary.errors.push(parsed.error);
    return summary;
  }
  if (parsed.ignored !== undefined) {
    summary.ignored++;
    return summary;
  }
  // The SES JSON as it came, without the envelope (its signature fields are of no use later).
  const raw = isSnsEnvelope(value) ? JSON.parse(value.Message) : value;
  for (const feedback of parsed.feedback) {
    const r = await recordFeedback(q, {
      feedback,
      source: options.source,
      raw,
      rules: options.rules,
      now: options.now,
    });
    if (!r.stored) {
      summary.repeats++;
      continue;
    }
    summary.stored++;
    if (feedback.kind === "bounce") {
      count("ses_daemon_bot_bounces_total", "SES bounces of the mail we sent, by bounce type.", {
        // A label from the notification: only SES's three values, so that no input makes new series.
        type: ["Permanent", "Transient", "Undetermined"].includes(feedback.bounceType ?? "")
          ? feedback.bounceType!
          : "other",
      });
    } else if (feedback.kind === "complaint") {
      count("ses_daemon_bot_complaints_total", "SES complaints about the mail we sent.");
    }
    if (r.newly_suppressed) {
      summary.suppressed++;
      options.log?.warn("Suppressed {address} ({source}): {reason}", {
        address: feedback.recipient,
        source: r.suppressed_by,
        reason: r.reason,
        effectId: r.effect_id ?? undefined,
      });
    }
  }
  return summary;
}

/** As {@linkcode ingestFeedback}, for the text of one notification. */
export async function ingestFeedbackText(
  q: Queryable,
  text: string,
  options: Parameters<typeof ingestFeedback>[2],
): Promise<FeedbackSummary> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ...emptySummary(), errors: ["Cannot read SES feedback notification: not JSON"] };
  }
  return await ingestFeedback(q, value, options);
}

/**
 * The SNS endpoint's feedback handler (SES_FEEDBACK_TOPIC_ARNS): stores the notification and says whether it
 * was feedback (false: a topic shared with inbound mail hands it on). Unusable ones are logged; SNS gets its
 * 200 all the same (a retry would not change them).
 */
export function snsFeedbackHandler(
  db: Queryable,
  options: { rules: SuppressionRules; log: Logger },
): (text: string) => Promise<boolean> {
  return async (text) => {
    const s = await ingestFeedbackText(db, text, { source: "sns", rules: options.rules, log: options.log });
    if (s.errors.length > 0) options.log.warn("Unusable SNS feedback: {errors}", { errors: s.errors });
    return s.stored + s.repeats > 0;
  };
}
