/**
 * The `parse` job: a stored delivery becomes an `emails` row. A second delivery of a stored Message-ID is
 * linked to the first email and goes no further. Whatever cannot be read is recorded in `parse_error`; the
 * raw bytes stay in `raw_messages`, so a requeued job can parse again after a fix.
 */
import { findEmailId, getRawMessage, linkRawMessage, type RawMessageRow, storeEmail } from "../db/emails.ts";
import type { NextJob } from "../db/jobs.ts";
import { type JobHandler, PermanentError } from "../jobs/types.ts";
import { type ParsedEmail, parseEmail } from "./parse.ts";
import { type Parser, ParseTimeoutError } from "./parse_pool.ts";
import type { RawHandoff } from "./raw_handoff.ts";

/** Options of {@linkcode parseJobHandler}. */
export interface ParseJobOptions {
  /** Deliveries this process stored, taken instead of read back (see raw_handoff.ts). */
  handoff?: RawHandoff;
  /** Where messages are parsed: a {@linkcode ParsePool} (the daemon), else in-process. */
  parser?: Parser;
}

/**
 * The handler of `parse` jobs (payload `{raw_id}`); a new email gets the `next` job in the same statement.
 * A delivery this process stored is taken from `handoff` instead of read back. A message past the parser's
 * deadline is stored like an unread one, with the reason: the raw bytes stay for a later look.
 */
export function parseJobHandler(next?: NextJob, options: ParseJobOptions = {}): JobHandler {
  const { handoff, parser = parseEmail } = options;
  return async ({ job, db, log }) => {
    const rawId = Number(job.payload.raw_id);
    // Only a first attempt uses the hand-off: a retry may follow another instance's run that stored the email,
    // which the held row (email_id null) would not show. Either way the held row is dropped here.
    const held = handoff?.take(rawId);
    const row = (job.attempts === 1 ? held : undefined) ?? await getRawMessage(db, rawId);
    if (!row) throw new PermanentError(`Cannot parse delivery ${rawId}: no such row in raw_messages`);
    if (row.email_id !== null) return; // done before a crash cut the job short
    let parsed: ParsedEmail | undefined;
    let failure: string | undefined;
    try {
      // The row is this job's own (read here, or taken from the hand-off): its bytes can move to the worker.
      parsed = row.raw ? await parser(row.raw, { transfer: true }) : undefined;
    } catch (error) {
      if (!(error instanceof ParseTimeoutError)) throw error;
      failure = error.message;
      log.warn("Delivery {rawId} not parsed: {reason}", { rawId, reason: failure });
    }
    const email = toEmailRow(row, parsed, failure);
    const emailId = await storeEmail(db, email, next);
    if (emailId !== undefined) {
      log.info("Stored email {emailId} from delivery {rawId}", {
        emailId,
        rawId,
        parseError: email.parseError ?? undefined,
      });
      return;
    }
    await db.transaction(async (tx) => {
      const existing = await findEmailId(tx, { messageId: email.messageId, rawId });
      await linkRawMessage(tx, {
        id: rawId,
        emailId: existing ?? null,
        error: `duplicate delivery of Message-ID already stored as email ${existing}`,
      });
      log.info("Delivery {rawId} repeats email {emailId}; not stored again", { rawId, emailId: existing });
    });
  };
}

function toEmailRow(row: RawMessageRow, parsed: ParsedEmail | undefined, failure?: string) {
  const problems = parsed?.problems ?? [failure ?? row.error ?? "message was not read"];
  // Without a Message-ID the content hash is a stable identity: the same bytes delivered twice are one email.
  const generated = `<${
    row.sha256 || row.source_key.replace(/[^A-Za-z0-9._-]/g, "_")
  }@ses-daemon-bot.invalid>`;
  return {
    messageId: clean(parsed?.messageId) ?? generated,
    messageIdGenerated: !parsed?.messageId,
    sender: clean(parsed?.sender) ?? "",
    subject: clean(parsed?.subject) ?? null,
    body: clean(parsed?.body) ?? null,
    rawId: row.id,
    senderName: clean(parsed?.senderName) ?? null,
    replyTo: clean(parsed?.replyTo) ?? null,
    recipients: (parsed?.recipients ?? []).map((r) => clean(r) ?? ""),
    inReplyTo: clean(parsed?.inReplyTo) ?? null,
    references: clean(parsed?.references) ?? null,
    sentAt: parsed?.sentAt ?? null,
    bodyHtml: parsed?.bodyFromHtml ?? false,
    headers: Object.fromEntries(
      Object.entries(parsed?.headers ?? {}).map(([k, v]) => [clean(k) ?? "", v.map((x) => clean(x) ?? "")]),
    ),
    attachments: (parsed?.attachments ?? []).map((a) => ({
      filename: clean(a.filename ?? undefined) ?? null,
      mime_type: clean(a.mime_type) ?? "",
      size: a.size,
      disposition: clean(a.disposition ?? undefined) ?? null,
      content_id: clean(a.content_id ?? undefined) ?? null,
    })),
    sizeBytes: row.size_bytes,
    // Problems quote header text (a boundary, a charset), which can hold NUL bytes too.
    parseError: problems.length > 0 ? clean(problems.join("; "))! : null,
    receivedAt: row.received_at,
  };
}

/** PostgreSQL text and jsonb cannot hold NUL characters or lone surrogates; drop them. */
function clean(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  // toWellFormed replaces lone surrogates with U+FFFD.
  return text.replaceAll("\u0000", "").toWellFormed();
}
