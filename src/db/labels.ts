/**
 * Typed wrappers of the labelled examples' queries (`sql/queries/labels/*`): what learning reads, what an undo
 * retracts, what an email's page and `export-labels` show.
 */
import type { Queryable } from "./client.ts";
import { fromBase64 } from "./base64.ts";
import listExamplesSql from "../../sql/queries/labels/list_examples.sql" with { type: "text" };
import labelsVersionSql from "../../sql/queries/labels/labels_version.sql" with { type: "text" };
import latestCorrectionSql from "../../sql/queries/labels/latest_correction.sql" with { type: "text" };
import retractLabelSql from "../../sql/queries/labels/retract_label.sql" with { type: "text" };
import listEmailLabelsSql from "../../sql/queries/labels/list_email_labels.sql" with { type: "text" };
import listLabelsByIdSql from "../../sql/queries/labels/list_labels_by_id.sql" with { type: "text" };
import listLabelsForExportSql from "../../sql/queries/labels/list_labels_for_export.sql" with {
  type: "text",
};
import setLearnedFromSql from "../../sql/queries/emails/set_learned_from.sql" with { type: "text" };
import getLearnedFromSql from "../../sql/queries/emails/get_learned_from.sql" with { type: "text" };

/** A labelled example as learning reads it. */
export interface ExampleRow {
  id: number;
  email_id: number;
  intent: string;
  kind: "correction" | "confirmation";
  actor: string;
  created_at: Date;
  message_id: string;
  sender: string;
  subject: string | null;
  body: string | null;
}

/** The standing examples (latest label per email, not retracted), newest first, at most `limit`. */
export async function listExamples(q: Queryable, limit: number): Promise<ExampleRow[]> {
  const { rows } = await q.query<ExampleRow>(listExamplesSql, [limit]);
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

/** A value that changes whenever a label is added or retracted. */
export async function labelsVersion(q: Queryable): Promise<string> {
  const { rows } = await q.query<{ last_id: string | number; retracted: string }>(labelsVersionSql);
  return `${rows[0].last_id}:${rows[0].retracted}`;
}

/** A correction still standing. */
export interface CorrectionRow {
  id: number;
  intent: string;
  previous_intent: string;
  actor: string;
  created_at: Date;
}

/** The latest correction of an email that is not retracted. */
export async function latestCorrection(q: Queryable, emailId: number): Promise<CorrectionRow | undefined> {
  const row = (await q.query<CorrectionRow>(latestCorrectionSql, [emailId])).rows[0];
  return row && { ...row, id: Number(row.id) };
}

/** Retracts a label; false when it was retracted already. */
export async function retractLabel(q: Queryable, p: { id: number; by: string }): Promise<boolean> {
  return (await q.query(retractLabelSql, [p.id, p.by])).rows.length === 1;
}

/** A label as an email's page shows it. */
export interface EmailLabel {
  id: number;
  intent: string;
  previous_intent: string;
  kind: "correction" | "confirmation";
  actor: string;
  note: string | null;
  created_at: Date;
  retracted_at: Date | null;
  retracted_by: string | null;
}

/** Every label of an email, oldest first. */
export async function listEmailLabels(q: Queryable, emailId: number): Promise<EmailLabel[]> {
  const { rows } = await q.query<EmailLabel>(listEmailLabelsSql, [emailId]);
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

/** A label another email's decision used, with its email's sender and subject. */
export interface LinkedLabel {
  id: number;
  email_id: number;
  intent: string;
  kind: string;
  actor: string;
  created_at: Date;
  retracted_at: Date | null;
  sender: string;
  subject: string | null;
}

/** Labels by id. */
export async function listLabelsById(q: Queryable, ids: number[]): Promise<LinkedLabel[]> {
  if (ids.length === 0) return [];
  const { rows } = await q.query<LinkedLabel>(listLabelsByIdSql, [ids]);
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

/** A labelled email to export. */
export interface ExportRow {
  id: number;
  email_id: number;
  intent: string;
  kind: string;
  message_id: string;
  automated: boolean | null;
  auto_reply_ok: boolean | null;
  raw: Uint8Array | null;
}

/** A page of labelled emails after `afterEmailId`, by email id. */
export async function listLabelsForExport(
  q: Queryable,
  p: { afterEmailId: number; limit: number },
): Promise<ExportRow[]> {
  const { rows } = await q.query<Omit<ExportRow, "raw"> & { raw: string | null }>(listLabelsForExportSql, [
    p.afterEmailId,
    p.limit,
  ]);
  return rows.map((r) => ({ ...r, id: Number(r.id), raw: r.raw === null ? null : fromBase64(r.raw) }));
}

/** Stores which examples influenced an email's classification (null: none). */
export async function setLearnedFrom(q: Queryable, p: { id: number; learnedFrom: unknown }): Promise<void> {
  await q.query(setLearnedFromSql, [p.id, p.learnedFrom === null ? null : JSON.stringify(p.learnedFrom)]);
}

/** What `emails.learned_from` holds for an email (null: nothing learned was used, or no such email). */
export async function getLearnedFrom(q: Queryable, id: number): Promise<unknown> {
  return (await q.query<{ learned_from: unknown }>(getLearnedFromSql, [id])).rows[0]?.learned_from ?? null;
}
