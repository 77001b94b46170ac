/**
 * Typed wrappers of the review console's queries: its folders (`sql/queries/console/*`), the audit trail,
 * labelled examples, console sessions, and the emails/effects updates of the review actions.
 */
import { fromBase64 } from "./base64.ts";
import type { Queryable } from "./client.ts";
import type { NextJob } from "./jobs.ts";
import type { FolderFilters } from "../console/filters.ts";
import countFoldersSql from "../../sql/queries/console/count_folders.sql" with { type: "text" };
import listNeedsPersonSql from "../../sql/queries/console/list_needs_person.sql" with { type: "text" };
import listAnsweredSql from "../../sql/queries/console/list_answered.sql" with { type: "text" };
import listWithheldSql from "../../sql/queries/console/list_withheld.sql" with { type: "text" };
import listFilteredSql from "../../sql/queries/console/list_filtered.sql" with { type: "text" };
import listProblemsSql from "../../sql/queries/console/list_problems.sql" with { type: "text" };
import listAllSql from "../../sql/queries/console/list_all.sql" with { type: "text" };
import getEmailDetailSql from "../../sql/queries/console/get_email_detail.sql" with { type: "text" };
import listEmailEffectsSql from "../../sql/queries/console/list_email_effects.sql" with { type: "text" };
import listEmailJobsSql from "../../sql/queries/console/list_email_jobs.sql" with { type: "text" };
import getRawForDownloadSql from "../../sql/queries/console/get_raw_for_download.sql" with { type: "text" };
import insertAuditSql from "../../sql/queries/audit_log/insert_audit.sql" with { type: "text" };
import listAuditSql from "../../sql/queries/audit_log/list_audit.sql" with { type: "text" };
import insertLabelSql from "../../sql/queries/labels/insert_label.sql" with { type: "text" };
import createSessionSql from "../../sql/queries/console_sessions/create_session.sql" with { type: "text" };
import getSessionSql from "../../sql/queries/console_sessions/get_session.sql" with { type: "text" };
import deleteSessionSql from "../../sql/queries/console_sessions/delete_session.sql" with { type: "text" };
import setCorrectedIntentSql from "../../sql/queries/emails/set_corrected_intent.sql" with { type: "text" };
import markEmailHandledSql from "../../sql/queries/emails/mark_email_handled.sql" with { type: "text" };
import releaseWithheldReplySql from "../../sql/queries/effects/release_withheld_reply.sql" with {
  type: "text",
};

/** The console's folders, in the order the navigation shows them. */
export const FOLDERS = ["needs_person", "answered", "withheld", "filtered", "problems", "all"] as const;
/** One of {@linkcode FOLDERS}. */
export type Folder = typeof FOLDERS[number];

const FOLDER_SQL: Record<Folder, string> = {
  needs_person: listNeedsPersonSql,
  answered: listAnsweredSql,
  withheld: listWithheldSql,
  filtered: listFilteredSql,
  problems: listProblemsSql,
  all: listAllSql,
};

/** "Needs a person" pages oldest first (after a cursor); every other folder newest first (before it). */
export function folderOrder(folder: Folder): "oldest" | "newest" {
  return folder === "needs_person" ? "oldest" : "newest";
}

/** The number of emails in each folder. */
export async function countFolders(q: Queryable): Promise<Record<Folder, number>> {
  return (await q.query<Record<Folder, number>>(countFoldersSql)).rows[0];
}

/** One row of a folder's list. */
export interface FolderRow {
  id: number;
  sender: string;
  sender_name: string | null;
  subject: string | null;
  received_at: Date;
  intent: string;
  classifier: string | null;
  disposition: string;
  disposition_reason: string | null;
  /** What the folder adds: the disposition's reason, the withheld reply's reason, the problem. */
  note: string | null;
}

/**
 * One page of a folder: `cursor` is the last id of the previous page (see {@linkcode folderOrder}), `filters`
 * the search and filters (src/console/filters.ts).
 */
export async function listFolder(
  q: Queryable,
  folder: Folder,
  p: { cursor: number | null; filters: FolderFilters; limit: number },
): Promise<FolderRow[]> {
  const f = p.filters;
  return (await q.query<FolderRow>(FOLDER_SQL[folder], [
    p.cursor,
    f.text,
    f.fromPrefix,
    f.fromDomain,
    f.intent,
    f.classifier,
    f.since,
    f.before,
    p.limit,
  ])).rows;
}

/** An attachment as the parser recorded it. */
export interface AttachmentInfo {
  filename: string | null;
  mime_type: string;
  size: number;
}

/** What the email's page shows of the email. */
export interface EmailDetail {
  id: number;
  message_id: string;
  sender: string;
  sender_name: string | null;
  reply_to: string | null;
  recipients: string[];
  subject: string | null;
  sent_at: Date | null;
  received_at: Date;
  body: string | null;
  body_chars: number | null;
  body_html: boolean;
  attachments: AttachmentInfo[];
  size_bytes: number;
  parse_error: string | null;
  intent: string;
  automated: boolean | null;
  auto_reply_ok: boolean | null;
  rule_reasons: string[];
  classifier: string | null;
  classifier_model: string | null;
  classifier_latency_ms: number | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  classifier_note: string | null;
  classified_at: Date | null;
  routed_at: Date | null;
  processed: boolean;
  disposition: string;
  disposition_reason: string | null;
  closed_reason: string | null;
  conversation_id: number | null;
  thread_link: string | null;
  thread_parent_id: number | null;
  handled_at: Date | null;
  handled_by: string | null;
  corrections: number;
  raw_id: number;
  raw_stored: boolean;
  raw_location: string | null;
  /** When retention dropped the stored bytes (the original stays at raw_location); null: not dropped. */
  raw_dropped_at: Date | null;
}

/** Reads an email for its page, the body cut to `bodyChars`. */
export async function getEmailDetail(
  q: Queryable,
  id: number,
  bodyChars: number,
): Promise<EmailDetail | undefined> {
  return (await q.query<EmailDetail>(getEmailDetailSql, [id, bodyChars])).rows[0];
}

/** An effect as the email's page shows it. */
export interface EmailEffect {
  id: number;
  kind: "reply" | "forward" | "webhook";
  purpose: string;
  state: "pending" | "delivered" | "failed" | "suppressed";
  attempts: number;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
  delivered_at: Date | null;
  /** The recipient (reply, forward) or webhook target. */
  target: string | null;
  subject: string | null;
}

/** The effects of an email, in order. */
export async function listEmailEffects(q: Queryable, emailId: number): Promise<EmailEffect[]> {
  return (await q.query<EmailEffect>(listEmailEffectsSql, [emailId])).rows;
}

/** A job of an email that met an error. */
export interface EmailJob {
  id: number;
  kind: string;
  state: string;
  attempts: number;
  max_attempts: number;
  last_error: string | null;
  updated_at: Date;
}

/** The jobs of an email (and of its delivery and effects) that met an error. */
export async function listEmailJobs(q: Queryable, emailId: number, rawId: number): Promise<EmailJob[]> {
  return (await q.query<EmailJob>(listEmailJobsSql, [emailId, rawId])).rows;
}

/** The raw bytes of an email's delivery; `raw` is null when only `location` keeps them; undefined: no email. */
export async function getRawForDownload(
  q: Queryable,
  emailId: number,
): Promise<{ raw: Uint8Array | null; location: string | null; raw_dropped_at: Date | null } | undefined> {
  const row = (await q.query<{ raw: string | null; location: string | null; raw_dropped_at: Date | null }>(
    getRawForDownloadSql,
    [emailId],
  )).rows[0];
  if (!row) return undefined;
  return {
    raw: row.raw === null ? null : fromBase64(row.raw),
    location: row.location,
    raw_dropped_at: row.raw_dropped_at,
  };
}

/** One audit row. */
export interface AuditRow {
  id: number;
  actor: string;
  action: string;
  detail: string;
  note: string | null;
  at: Date;
}

/** Records an action a person took. */
export async function insertAudit(
  q: Queryable,
  p: { emailId: number | null; actor: string; action: string; detail: string; note: string | null },
): Promise<void> {
  await q.query(insertAuditSql, [p.emailId, p.actor, p.action, p.detail, p.note]);
}

/** The audit trail of an email, oldest first. */
export async function listAudit(q: Queryable, emailId: number): Promise<AuditRow[]> {
  return (await q.query<AuditRow>(listAuditSql, [emailId])).rows;
}

/** Keeps a labelled example (a correction, or a confirmation of the intent the email has). */
export async function insertLabel(
  q: Queryable,
  p: {
    emailId: number;
    intent: string;
    previousIntent: string;
    kind: "correction" | "confirmation";
    actor: string;
    note: string | null;
  },
): Promise<void> {
  await q.query(insertLabelSql, [p.emailId, p.intent, p.previousIntent, p.kind, p.actor, p.note]);
}

/** Stores a new session by the hash of its id; returns when it expires. */
export async function createSession(
  q: Queryable,
  p: { idHash: string; userName: string; csrfToken: string; ttlSeconds: number },
): Promise<Date> {
  const { rows } = await q.query<{ expires_at: Date }>(createSessionSql, [
    p.idHash,
    p.userName,
    p.csrfToken,
    p.ttlSeconds,
  ]);
  return rows[0].expires_at;
}

/** A live session. */
export interface SessionRow {
  user_name: string;
  csrf_token: string;
  expires_at: Date;
}

/** Reads a live session by the hash of its id. */
export async function getSession(q: Queryable, idHash: string): Promise<SessionRow | undefined> {
  return (await q.query<SessionRow>(getSessionSql, [idHash])).rows[0];
}

/** Ends a session. */
export async function deleteSession(q: Queryable, idHash: string): Promise<void> {
  await q.query(deleteSessionSql, [idHash]);
}

/**
 * Sets a corrected intent, guarded by the intent it must have now; returns the correction's number, or
 * undefined when the email has another intent by now (or is not classified).
 */
export async function setCorrectedIntent(
  q: Queryable,
  p: { id: number; flags: boolean[]; expected: string },
): Promise<number | undefined> {
  const { rows } = await q.query<{ corrections: number }>(setCorrectedIntentSql, [
    p.id,
    JSON.stringify(p.flags),
    p.expected,
  ]);
  return rows[0]?.corrections;
}

/** Marks an email handled; false when it was already. */
export async function markEmailHandled(q: Queryable, p: { id: number; by: string }): Promise<boolean> {
  return (await q.query(markEmailHandledSql, [p.id, p.by])).rows.length === 1;
}

/** Releases a withheld reply with its deliver job; undefined when it may not go (see the SQL). */
export async function releaseWithheldReply(
  q: Queryable,
  p: { effectId: number; deliver: NextJob },
): Promise<{ id: number; email_id: number; purpose: string } | undefined> {
  const { rows } = await q.query<{ id: number; email_id: number; purpose: string }>(releaseWithheldReplySql, [
    p.effectId,
    p.deliver.kind,
    p.deliver.maxAttempts,
  ]);
  return rows[0];
}
