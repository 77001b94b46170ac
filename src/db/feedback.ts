/** Typed wrappers of `sql/queries/feedback/*.sql` and `sql/queries/suppressions/*.sql`. */
import type { Queryable } from "./client.ts";
import recordFeedbackSql from "../../sql/queries/feedback/record_feedback.sql" with { type: "text" };
import getSuppressionSql from "../../sql/queries/suppressions/get_suppression.sql" with { type: "text" };
import listSuppressionsSql from "../../sql/queries/suppressions/list_suppressions.sql" with { type: "text" };
import addSuppressionSql from "../../sql/queries/suppressions/add_suppression.sql" with { type: "text" };
import removeSuppressionSql from "../../sql/queries/suppressions/remove_suppression.sql" with {
  type: "text",
};
import listEmailFeedbackSql from "../../sql/queries/feedback/list_email_feedback.sql" with { type: "text" };
import countSuppressionsSql from "../../sql/queries/suppressions/count_suppressions.sql" with {
  type: "text",
};
import type { Feedback } from "../feedback/parse.ts";

/** The suppression rules' settings (SUPPRESS_SOFT_BOUNCES, SUPPRESS_SOFT_WINDOW). */
export interface SuppressionRules {
  /** Transient/Undetermined bounces (not Transient/General) within the window that suppress the address. */
  softBounces: number;
  softWindowMs: number;
}

/** What {@linkcode recordFeedback} did. */
export interface RecordedFeedback {
  /** False for a repeat: nothing changed. */
  stored: boolean;
  /** Our effect the notification is about, when SES sent it for us. */
  effect_id: number | null;
  /** Why the address is suppressed by this feedback (complaint, permanent_bounce, soft_bounces), or null. */
  suppressed_by: string | null;
  /** The address was not on the list before. */
  newly_suppressed: boolean;
  reason: string | null;
}

/** Stores one recipient's feedback and applies the suppression rules (one statement; see its SQL). */
export async function recordFeedback(
  q: Queryable,
  p: { feedback: Feedback; source: string; raw: unknown; rules: SuppressionRules; now?: Date },
): Promise<RecordedFeedback> {
  const f = p.feedback;
  const { rows } = await q.query<RecordedFeedback>(recordFeedbackSql, [
    f.id,
    f.kind,
    f.recipient,
    f.bounceType ?? null,
    f.subType ?? null,
    f.detail ?? null,
    f.sesMessageId,
    p.source,
    JSON.stringify(p.raw),
    validDate(f.timestamp),
    p.rules.softBounces,
    p.rules.softWindowMs,
    windowText(p.rules.softWindowMs),
    p.now ?? null,
  ]);
  return { ...rows[0], effect_id: rows[0].effect_id === null ? null : Number(rows[0].effect_id) };
}

/** What SES reported about one effect of an email. */
export interface EmailFeedback {
  id: number;
  effect_id: number;
  kind: "bounce" | "complaint" | "delivery";
  recipient: string;
  bounce_type: string | null;
  sub_type: string | null;
  detail: string | null;
  occurred_at: Date | null;
  received_at: Date;
}

/** The feedback about an email's replies and forwards, oldest first. */
export async function listEmailFeedback(q: Queryable, emailId: number): Promise<EmailFeedback[]> {
  return (await q.query<EmailFeedback>(listEmailFeedbackSql, [emailId])).rows;
}

/** One address of the suppression list. */
export interface Suppression {
  address: string;
  reason: string;
  source: "complaint" | "permanent_bounce" | "soft_bounces" | "manual";
  bounces: number;
  complaints: number;
  created_at: Date;
  updated_at: Date;
  note: string | null;
}

/** The suppression of a normalised address, or undefined. */
export async function getSuppression(q: Queryable, address: string): Promise<Suppression | undefined> {
  return (await q.query<Suppression>(getSuppressionSql, [address])).rows[0];
}

/** The list, newest first. */
export async function listSuppressions(q: Queryable, limit: number): Promise<Suppression[]> {
  return (await q.query<Suppression>(listSuppressionsSql, [limit])).rows;
}

/** Adds an address by hand; undefined when it is on the list already. */
export async function addSuppression(
  q: Queryable,
  p: { address: string; reason: string; note: string | null },
): Promise<Suppression | undefined> {
  return (await q.query<Suppression>(addSuppressionSql, [p.address, p.reason, p.note])).rows[0];
}

/** Takes an address off the list; returns what it was, or undefined when it was not there. */
export async function removeSuppression(q: Queryable, address: string): Promise<Suppression | undefined> {
  return (await q.query<Suppression>(removeSuppressionSql, [address])).rows[0];
}

/** The list's size by source. */
export async function countSuppressions(q: Queryable): Promise<{ source: string; count: number }[]> {
  return (await q.query<{ source: string; count: number }>(countSuppressionsSql)).rows;
}

function validDate(text: string | undefined): string | null {
  return text !== undefined && !Number.isNaN(Date.parse(text)) ? new Date(text).toISOString() : null;
}

/** "14d", "36h", "90m": the window as a reason reads it. */
export function windowText(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  return `${Math.round(ms / 60_000)}m`;
}
