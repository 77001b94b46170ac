/**
 * Raw RFC 5322 bytes to the fields of an `emails` row, with postal-mime. Never throws on bad input: whatever
 * cannot be read is described in `problems` (stored as `emails.parse_error`) and the rest is kept.
 */
import PostalMime from "postal-mime";
import { repairCharsets } from "./charsets.ts";
import { ELIDE_MIN_BYTES, elideAttachmentBodies } from "./elide_attachments.ts";
import { htmlToText } from "./html_text.ts";
import { normalizeLineEndings } from "./line_endings.ts";

/** An attachment as stored in the row: metadata only; the bytes stay in the raw message. */
export interface AttachmentMeta {
  filename: string | null;
  mime_type: string;
  size: number;
  disposition: string | null;
  content_id: string | null;
}

/** What the rest of the pipeline needs of one message. */
export interface ParsedEmail {
  /** The Message-ID header as written (with angle brackets), or undefined when missing or blank. */
  messageId: string | undefined;
  /** From's address, else Return-Path's; "" when neither is usable. */
  sender: string;
  senderName: string | undefined;
  replyTo: string | undefined;
  /** To and Cc addresses. */
  recipients: string[];
  subject: string | undefined;
  /** The text part, or the HTML part turned into text when there is no text part. */
  body: string | undefined;
  bodyFromHtml: boolean;
  html: string | undefined;
  inReplyTo: string | undefined;
  references: string | undefined;
  sentAt: Date | undefined;
  /** Lower-cased header name to its values, in order. */
  headers: Record<string, string[]>;
  attachments: AttachmentMeta[];
  /** Why parts of the message could not be read; empty for a clean message. */
  problems: string[];
}

const KNOWN_HEADERS = [
  "from",
  "subject",
  "date",
  "message-id",
  "received",
  "to",
  "return-path",
  "mime-version",
];

/** Settings of {@linkcode parseEmail}. */
export interface ParseOptions {
  /** Base64 attachment bodies of at least this many bytes are not decoded (see elide_attachments.ts). */
  elideMinBytes?: number;
}

/** Parses one raw message. */
export async function parseEmail(stored: Uint8Array, options: ParseOptions = {}): Promise<ParsedEmail> {
  const problems: string[] = [];
  // Bare-CR endings would hide every header from the parser; the stored bytes stay as they came.
  const normalised = normalizeLineEndings(stored);
  // Charset labels postal-mime would read as windows-1252 without a word (UTF-7, misspelt, QP-damaged).
  let repaired: ReturnType<typeof repairCharsets>;
  try {
    repaired = repairCharsets(normalised);
  } catch (error) {
    // Only a repair: should it ever fail on some input, postal-mime reads the labels as they are.
    repaired = {
      raw: normalised,
      problems: [`charset repair failed: ${error instanceof Error ? error.message : error}`],
    };
  }
  const raw = repaired.raw;
  if (raw.length === 0) problems.push("empty message (0 bytes)");
  else if (looksBinary(raw)) problems.push("binary data, not a text e-mail message");

  // Elision only saves work: should it ever fail on some input, the message is parsed whole instead.
  let elided: ReturnType<typeof elideAttachmentBodies>;
  try {
    elided = elideAttachmentBodies(raw, options.elideMinBytes ?? ELIDE_MIN_BYTES);
  } catch {
    elided = undefined;
  }
  const read = elided?.raw ?? raw;

  let mail: Awaited<ReturnType<typeof PostalMime.parse>> | undefined;
  try {
    mail = await PostalMime.parse(read, { attachmentEncoding: "arraybuffer" });
  } catch (error) {
    problems.push(`MIME parser failed: ${error instanceof Error ? error.message : String(error)}`);
  }

  const headers: Record<string, string[]> = {};
  for (const h of mail?.headers ?? []) (headers[h.key.toLowerCase()] ??= []).push(h.value);
  if (raw.length > 0 && !KNOWN_HEADERS.some((k) => k in headers)) {
    problems.push("no e-mail headers found (From, Subject, Date, Message-ID, Received)");
  }
  // One Latin-1 view of what postal-mime read (a string copy) serves both scans: all of a multipart message
  // (its closing boundary is at the end), the first 4 MiB of any other. The attachment bodies left out hold
  // neither a header line nor "--".
  const multipart = (headers["content-type"]?.[0] ?? "").toLowerCase().includes("multipart/");
  const text = latin1(multipart ? read : read.subarray(0, CHARSET_SCAN_CHARS));
  problems.push(...repaired.problems, ...truncationProblems(text, headers));

  // A From without "@" (a typo, a damaged header) is not an address to store or ever reply to.
  const fromAddress = mail?.from?.address?.trim();
  const from = fromAddress && fromAddress.includes("@") ? mail!.from : undefined;
  if (fromAddress && !from) {
    problems.push(`From has no valid address: ${JSON.stringify(fromAddress.slice(0, 100))}`);
  }
  const returnPath = stripBrackets(headers["return-path"]?.[0]);
  const sender = (from?.address || returnPath || "").trim().toLowerCase();
  if (!sender && raw.length > 0) problems.push("no sender: neither From nor Return-Path has an address");

  let body = mail?.text?.trim() ? mail.text : undefined;
  let bodyFromHtml = false;
  if (body === undefined && mail?.html) {
    body = htmlToText(mail.html);
    bodyFromHtml = true;
  }
  const messageId = mail?.messageId?.trim() || undefined;
  const sent = mail?.date ? new Date(mail.date) : undefined;

  return {
    messageId: messageId && messageId.length <= 995 ? messageId : undefined,
    sender,
    senderName: from?.name || undefined,
    replyTo: mail?.replyTo?.find((a) => a.address)?.address?.toLowerCase(),
    recipients: [...(mail?.to ?? []), ...(mail?.cc ?? [])].flatMap((a) =>
      a.address ? [a.address.toLowerCase()] : (a.group ?? []).map((g) => g.address.toLowerCase())
    ),
    subject: mail?.subject,
    body: body?.replaceAll("\u0000", ""),
    bodyFromHtml,
    html: mail?.html,
    inReplyTo: mail?.inReplyTo,
    references: mail?.references,
    // PostgreSQL takes years 1-9999 only; a damaged Date ("Mar 42026") must not block the row.
    sentAt:
      sent && !Number.isNaN(sent.getTime()) && sent.getUTCFullYear() >= 1 && sent.getUTCFullYear() <= 9999
        ? sent
        : undefined,
    headers,
    attachments: (mail?.attachments ?? []).map((a) => ({
      filename: a.filename ?? null,
      mime_type: a.mimeType,
      size: typeof a.content === "string"
        ? a.content.length
        : elided?.sizeOf(a.content) ?? a.content.byteLength,
      disposition: a.disposition ?? null,
      content_id: a.contentId ?? null,
    })),
    problems,
  };
}

function stripBrackets(value: string | undefined): string | undefined {
  const v = value?.trim().replace(/^<|>$/g, "").trim();
  return v && v.includes("@") ? v : undefined;
}

/** More than 1% NUL or control bytes in the first 8 KB: an image or archive, not mail. */
function looksBinary(raw: Uint8Array): boolean {
  const n = Math.min(raw.length, 8192);
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const b = raw[i];
    if (b === 0 || (b < 32 && b !== 9 && b !== 10 && b !== 13 && b !== 12)) bad++;
  }
  return bad > n / 100;
}

/** A multipart message whose closing boundary never comes was cut short (lost attachments, half a body). */
function truncationProblems(text: string, headers: Record<string, string[]>): string[] {
  const type = headers["content-type"]?.[0] ?? "";
  const boundary = /boundary\s*=\s*"?([^";\s]{1,200})"?/i.exec(type)?.[1];
  if (!type.toLowerCase().includes("multipart/") || !boundary) return [];
  return text.includes(`--${boundary}--`)
    ? []
    : [`truncated: the closing MIME boundary "--${boundary}--" is missing; parts after the cut are lost`];
}

const CHARSET_SCAN_CHARS = 4 * 1024 * 1024;
const LATIN1 = new TextDecoder("latin1");

function latin1(raw: Uint8Array): string {
  return LATIN1.decode(raw);
}
