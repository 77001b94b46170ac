/** Typed wrappers of `sql/queries/raw_messages/*.sql` and `sql/queries/emails/*.sql`. */
import { fromBase64, toBase64 } from "./base64.ts";
import type { Queryable } from "./client.ts";
import type { NextJob } from "./jobs.ts";
import storeRawMessageSql from "../../sql/queries/raw_messages/store_raw_message.sql" with { type: "text" };
import getRawMessageSql from "../../sql/queries/raw_messages/get_raw_message.sql" with { type: "text" };
import getRawSliceSql from "../../sql/queries/raw_messages/get_raw_slice.sql" with { type: "text" };
import storeRawUploadSql from "../../sql/queries/raw_messages/store_raw_upload.sql" with { type: "text" };
import insertRawPieceSql from "../../sql/queries/raw_uploads/insert_raw_piece.sql" with { type: "text" };
import deleteRawUploadSql from "../../sql/queries/raw_uploads/delete_raw_upload.sql" with { type: "text" };
import linkRawMessageSql from "../../sql/queries/raw_messages/link_raw_message.sql" with { type: "text" };
import storeEmailSql from "../../sql/queries/emails/store_email.sql" with { type: "text" };
import findEmailIdSql from "../../sql/queries/emails/find_email_id.sql" with { type: "text" };
import getEmailForClassifySql from "../../sql/queries/emails/get_email_for_classify.sql" with {
  type: "text",
};
import setClassificationSql from "../../sql/queries/emails/set_classification.sql" with { type: "text" };
import insertSourceErrorSql from "../../sql/queries/raw_messages/insert_source_error.sql" with {
  type: "text",
};
import isSourceKeyKnownSql from "../../sql/queries/raw_messages/is_source_key_known.sql" with {
  type: "text",
};
import type { SesVerdicts } from "../mail/automated.ts";
import type { AttachmentMeta } from "../mail/parse.ts";

/** Parameters of {@linkcode storeRawMessage}. */
export interface RawMessageParams {
  sourceKey: string;
  source: string;
  location: string | null;
  sha256: string;
  sizeBytes: number;
  /** The bytes; null only when the message was too large to read (then `location` keeps it). */
  raw: Uint8Array | null;
  error: string | null;
  /** Verdicts of the SES notification the message came with (SQS, SNS). */
  verdicts?: SesVerdicts | null;
  /** The message's identity (src/mail/content_key.ts); deliveries with one key make one email. */
  contentKey?: string | null;
}

/** A stored delivery. */
export interface RawMessageRow {
  id: number;
  source_key: string;
  source: string;
  location: string | null;
  sha256: string;
  size_bytes: number;
  raw: Uint8Array | null;
  error: string | null;
  email_id: number | null;
  received_at: Date;
}

/**
 * Bytes sent or read in one piece at most. A message's bytes cross the wire as base64 (a third larger), and
 * postgres.js copies a parameter and a result value once or twice more: sent whole, a 40 MB message took
 * ~130 MiB to store and as much to read back (bench/large_steps.ts); in 1 MiB pieces, a few MiB each.
 */
export const RAW_PIECE_BYTES = 1024 * 1024;

/** Messages above this are stored and read in pieces; below, one statement each way (no extra round trips). */
export const RAW_WHOLE_MAX_BYTES = 4 * RAW_PIECE_BYTES;

/**
 * Stores a delivery with its parse job (key `<kind>:raw:<id>`) in one statement; returns the stored row, or
 * undefined when its source key was stored before. Bytes over {@linkcode RAW_WHOLE_MAX_BYTES} are sent first
 * in pieces (raw_uploads), which that statement joins.
 */
export async function storeRawMessage(
  q: Queryable,
  p: RawMessageParams,
  parse: NextJob,
): Promise<RawMessageRow | undefined> {
  if (p.raw !== null && p.raw.length > RAW_WHOLE_MAX_BYTES) {
    const uploadId = crypto.randomUUID();
    try {
      for (let n = 0; n * RAW_PIECE_BYTES < p.raw.length; n++) {
        const piece = p.raw.subarray(n * RAW_PIECE_BYTES, (n + 1) * RAW_PIECE_BYTES);
        await q.query(insertRawPieceSql, [uploadId, n, toBase64(piece)]);
      }
      return await storeRawRow(q, p, parse, storeRawUploadSql, uploadId);
    } finally {
      await q.query(deleteRawUploadSql, [uploadId]);
    }
  }
  return await storeRawRow(q, p, parse, storeRawMessageSql, p.raw === null ? null : toBase64(p.raw));
}

async function storeRawRow(
  q: Queryable,
  p: RawMessageParams,
  parse: NextJob,
  sql: string,
  raw: string | null,
): Promise<RawMessageRow | undefined> {
  const { rows } = await q.query<{ id: number; received_at: Date }>(sql, [
    p.sourceKey,
    p.source,
    p.location,
    p.sha256,
    p.sizeBytes,
    raw,
    p.error,
    p.verdicts ? JSON.stringify(p.verdicts) : null,
    parse.kind,
    parse.maxAttempts,
    p.contentKey ?? null,
  ]);
  return rows[0] && {
    id: rows[0].id,
    source_key: p.sourceKey,
    source: p.source,
    location: p.location,
    sha256: p.sha256,
    size_bytes: p.sizeBytes,
    raw: p.raw,
    error: p.error,
    email_id: null,
    received_at: rows[0].received_at,
  };
}

/** Reads a stored delivery with its bytes; over {@linkcode RAW_WHOLE_MAX_BYTES}, in pieces into one array. */
export async function getRawMessage(q: Queryable, id: number): Promise<RawMessageRow | undefined> {
  const { rows } = await q.query<
    Omit<RawMessageRow, "raw"> & { raw: string | null; raw_length: number | null }
  >(
    getRawMessageSql,
    [id, RAW_WHOLE_MAX_BYTES],
  );
  if (!rows[0]) return undefined;
  const { raw_length: length, raw: text, ...row } = rows[0];
  if (text !== null || length === null) return { ...row, raw: text === null ? null : fromBase64(text) };
  const raw = new Uint8Array(length);
  for (let at = 0; at < length; at += RAW_PIECE_BYTES) {
    const piece = (await q.query<{ piece: string }>(getRawSliceSql, [id, at, RAW_PIECE_BYTES])).rows[0]
      ?.piece;
    if (piece === undefined) throw new Error(`Cannot read delivery ${id}: it was deleted while being read`);
    const { written } = raw.subarray(at).setFromBase64(piece);
    if (written !== Math.min(RAW_PIECE_BYTES, length - at)) {
      throw new Error(`Cannot read delivery ${id}: its bytes changed while being read`);
    }
  }
  return { ...row, raw };
}

/** Records the email a delivery became or duplicated. */
export async function linkRawMessage(
  q: Queryable,
  p: { id: number; emailId: number | null; error: string | null },
): Promise<void> {
  await q.query(linkRawMessageSql, [p.id, p.emailId, p.error]);
}

/** Parameters of {@linkcode storeEmail}. */
export interface EmailParams {
  messageId: string;
  sender: string;
  subject: string | null;
  body: string | null;
  rawId: number;
  messageIdGenerated: boolean;
  senderName: string | null;
  replyTo: string | null;
  recipients: string[];
  inReplyTo: string | null;
  references: string | null;
  sentAt: Date | null;
  bodyHtml: boolean;
  headers: Record<string, string[]>;
  attachments: AttachmentMeta[];
  sizeBytes: number;
  parseError: string | null;
  receivedAt: Date;
}

/**
 * Creates an email, links its delivery to it and enqueues `next` (key `<kind>:email:<id>`), in one statement;
 * returns its id, or undefined (and changes nothing) when its delivery's content key (or the delivery) is
 * stored already.
 */
export async function storeEmail(q: Queryable, p: EmailParams, next?: NextJob): Promise<number | undefined> {
  const { rows } = await q.query<{ id: number }>(storeEmailSql, [
    p.messageId,
    p.sender,
    p.subject,
    p.body,
    p.rawId,
    p.messageIdGenerated,
    p.senderName,
    p.replyTo,
    JSON.stringify(p.recipients),
    p.inReplyTo,
    p.references,
    p.sentAt,
    p.bodyHtml,
    JSON.stringify(p.headers),
    JSON.stringify(p.attachments),
    p.sizeBytes,
    p.parseError,
    p.receivedAt,
    next?.kind ?? null,
    next?.maxAttempts ?? null,
  ]);
  return rows[0]?.id;
}

/** The id of the email a delivery became or repeats (same content key); `messageId` stands in for a key. */
export async function findEmailId(
  q: Queryable,
  p: { messageId: string; rawId: number },
): Promise<number | undefined> {
  return (await q.query<{ id: number }>(findEmailIdSql, [p.messageId, p.rawId])).rows[0]?.id;
}

/** What the classify job reads of an email. */
export interface EmailForClassify {
  id: number;
  message_id: string;
  sender: string;
  reply_to: string | null;
  sender_name: string | null;
  subject: string | null;
  body: string | null;
  headers: Record<string, string[]>;
  /** Metadata of the attachments (their MIME types feed the automated-mail rules). */
  attachments: AttachmentMeta[] | null;
  classified_at: Date | null;
  verdicts: SesVerdicts | null;
}

/** Reads an email for classification. */
export async function getEmailForClassify(q: Queryable, id: number): Promise<EmailForClassify | undefined> {
  return (await q.query<EmailForClassify>(getEmailForClassifySql, [id])).rows[0];
}

/** Parameters of {@linkcode setClassification}. */
export interface ClassificationParams {
  id: number;
  intentFlags: boolean[];
  automated: boolean;
  autoReplyOk: boolean;
  reasons: string[];
  classifier: string;
  model: string | null;
  latencyMs: number | null;
  promptTokens: number | null;
  completionTokens: number | null;
  note: string | null;
}

/**
 * Stores a classification and enqueues `next` (key `<kind>:email:<id>`) in one statement; false (and nothing
 * changed) when the email was classified already.
 */
export async function setClassification(
  q: Queryable,
  p: ClassificationParams,
  next?: NextJob,
): Promise<boolean> {
  const { rows } = await q.query(setClassificationSql, [
    p.id,
    JSON.stringify(p.intentFlags),
    p.automated,
    p.autoReplyOk,
    JSON.stringify(p.reasons),
    p.classifier,
    p.model,
    p.latencyMs,
    p.promptTokens,
    p.completionTokens,
    p.note,
    next?.kind ?? null,
    next?.maxAttempts ?? null,
  ]);
  return rows.length === 1;
}

/** Records a notification that could not become a message (once per external id). */
export async function insertSourceError(
  q: Queryable,
  p: { source: string; externalId: string; reason: string; body: string | null },
): Promise<void> {
  await q.query(insertSourceErrorSql, [p.source, p.externalId, p.reason, p.body]);
}

/** Whether a delivery with this source key is stored. */
export async function isSourceKeyKnown(q: Queryable, sourceKey: string): Promise<boolean> {
  return (await q.query<{ known: boolean }>(isSourceKeyKnownSql, [sourceKey])).rows[0].known;
}
