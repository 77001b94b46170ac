/**
 * The identity of a message, for telling a repeated delivery from a different message: two deliveries are one
 * email when they have the same content key (or are the same source object). The key hashes the headers its
 * author wrote and the body's bytes, and ignores the trace headers relays put in front (Received, X-SES-*,
 * DKIM-Signature, Authentication-Results, Return-Path, ARC-*).
 *
 * Why not the raw bytes: SES writes one object per matching receipt rule, and a sender's MTA may deliver a
 * message again after a timeout; each copy has its own Received and X-SES-Receipt lines, so byte equality
 * would make two emails of one message and answer it twice. Why not the Message-ID alone: any sender can
 * reuse one (the issue: a second sender's request got neither reply nor hand-off). The key includes From,
 * so messages from different senders are never merged, and the body, so one sender's two different messages
 * under one Message-ID stay two. A relay that re-encodes the body (8BITMIME downgrade) makes a different key:
 * that copy is treated as a new message.
 */
import { createHash } from "node:crypto";

/** Header fields that are the author's, not a relay's; the first of each counts. */
const AUTHOR_FIELDS = [
  "message-id",
  "from",
  "sender",
  "reply-to",
  "to",
  "cc",
  "date",
  "subject",
  "in-reply-to",
  "references",
  "mime-version",
  "content-type",
  "content-transfer-encoding",
];

/** A header block larger than this is not looked for (a corrupt message): the key is its bytes' hash. */
const MAX_HEADER_BYTES = 256 * 1024;

/** `content:<hex>` for a message's bytes. */
export function contentKey(raw: Uint8Array): string {
  const end = headerEnd(raw);
  const hash = createHash("sha256");
  if (end === undefined) return `content:${hash.update(raw).digest("hex")}`;
  // Latin-1 maps each byte to one character: nothing is lost or merged.
  const unfolded = new TextDecoder("latin1").decode(raw.subarray(0, end.headers)).replace(/\r?\n[ \t]/g, " ");
  const fields = new Map<string, string>();
  for (const line of unfolded.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    // Refolding by a relay changes only whitespace.
    if (AUTHOR_FIELDS.includes(name) && !fields.has(name)) {
      fields.set(name, line.slice(colon + 1).replace(/\s+/g, " ").trim());
    }
  }
  hash.update(JSON.stringify(AUTHOR_FIELDS.map((f) => fields.get(f) ?? null)));
  hash.update("\n");
  hash.update(raw.subarray(end.body));
  return `content:${hash.digest("hex")}`;
}

/** Where the header block ends and the body starts (after the first empty line), if found. */
function headerEnd(raw: Uint8Array): { headers: number; body: number } | undefined {
  const limit = Math.min(raw.length, MAX_HEADER_BYTES);
  for (let i = 0; i < limit; i++) {
    if (raw[i] !== 10) continue; // LF
    if (raw[i + 1] === 10) return { headers: i, body: i + 2 };
    if (raw[i + 1] === 13 && raw[i + 2] === 10) return { headers: i, body: i + 3 };
  }
  return undefined;
}
