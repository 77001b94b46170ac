/**
 * Outbound messages as raw RFC 5322 bytes (pure apart from the clock and the random boundary). Every value that
 * reaches a header goes through one place that removes CR, LF and other control characters, so that no input
 * (a subject or display name taken from inbound mail) can add a header or end the header block.
 */
import { encodeHex } from "../mail/hex.ts";
import { DeliveryError } from "./transport.ts";

/** One message to build. */
export interface OutboundMessage {
  /** "Acme <hello@example.com>" or a bare address. */
  from: string;
  to: string[];
  /** The subject as sent: the caller adds "Re: " (see {@linkcode replySubject}). */
  subject: string;
  /** The UTF-8 plain text body. */
  text: string;
  /** With angle brackets, made by the caller. */
  messageId: string;
  /** Defaults to now. */
  date?: Date;
  /** A Message-ID with brackets. */
  inReplyTo?: string;
  /** Message-IDs with brackets. */
  references?: string[];
  autoSubmitted?: "auto-replied" | "auto-generated";
  /** Extra headers (e.g. X-Auto-Response-Suppress: All). Values are ASCII. */
  headers?: Record<string, string>;
  /** The original message attached as message/rfc822 (forwards to a human). */
  attachOriginal?: { filename: string; content: Uint8Array };
}

const CRLF = "\r\n";
/** RFC 5322 §2.1.1: a line SHOULD be at most 78 characters and MUST be at most 998. */
const SOFT_LINE = 78;
const HARD_LINE = 998;
/** Encoded-word payload: "=?utf-8?q?" + 55 + "?=" = 67 characters, so "Subject: " + one word fits in 78. */
const WORD_PAYLOAD = 55;
/** Headers the builder writes itself: a duplicate From or Content-Type would make the message ambiguous. */
const RESERVED = new Set(
  ("from to cc bcc subject date message-id in-reply-to references auto-submitted mime-version content-type " +
    "content-transfer-encoding content-disposition").split(" "),
);
/** Plain addr-spec without quoted local parts, comments or whitespace: what our replies are ever sent to. */
const ADDRESS = /^[^\s<>(),;:\\"[\]@]+@[^\s<>(),;:\\"[\]@]+$/;
const utf8 = new TextEncoder();

/**
 * Builds the raw message: CRLF line endings, UTF-8 quoted-printable text, optionally the original attached.
 * Throws a permanent {@linkcode DeliveryError} for input that makes no valid message (a recipient that is not
 * an address, no Message-ID, a header the builder writes itself).
 */
export function buildMessage(m: OutboundMessage): Uint8Array {
  const from = parseMailbox(m.from);
  const to = m.to.map(parseMailbox);
  if (to.length === 0) throw invalid("Cannot build message: no recipient");
  const messageId = msgId(m.messageId);
  if (!messageId) throw invalid("Cannot build message: the Message-ID is not an <id@domain>");
  const date = m.date ?? new Date();
  if (Number.isNaN(date.getTime())) throw invalid("Cannot build message: invalid Date");

  const head = [
    foldHeader("From", mailboxAtoms(from)),
    foldHeader("To", to.flatMap((mb, i) => withComma(mailboxAtoms(mb), i < to.length - 1))),
    foldHeader("Subject", unstructuredAtoms(m.subject)),
    foldHeader("Date", [date.toUTCString().replace("GMT", "+0000")]),
    foldHeader("Message-ID", [messageId]),
  ];
  const inReplyTo = m.inReplyTo === undefined ? undefined : msgId(m.inReplyTo);
  if (inReplyTo) head.push(foldHeader("In-Reply-To", [inReplyTo]));
  const references = trimReferences(m.references ?? []);
  if (references.length) head.push(foldHeader("References", references));
  if (m.autoSubmitted) head.push(foldHeader("Auto-Submitted", [oneLine(m.autoSubmitted)]));
  for (const [name, value] of Object.entries(m.headers ?? {})) {
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name)) {
      throw invalid(`Cannot build message: ${JSON.stringify(name)} is not a header name`);
    }
    if (RESERVED.has(name.toLowerCase())) {
      throw invalid(`Cannot build message: the ${name} header is written by the builder`);
    }
    head.push(foldHeader(name, unstructuredAtoms(value)));
  }
  head.push("MIME-Version: 1.0" + CRLF);

  const text = quotedPrintable(m.text);
  const textType = "Content-Type: text/plain; charset=utf-8" + CRLF +
    "Content-Transfer-Encoding: quoted-printable" + CRLF;
  if (!m.attachOriginal) return concat([head.join("") + textType + CRLF + text]);

  const original = m.attachOriginal.content;
  const boundary = newBoundary(original);
  return concat([
    head.join("") + `Content-Type: multipart/mixed; boundary="${boundary}"` + CRLF + CRLF,
    `--${boundary}` + CRLF + textType + CRLF + text + CRLF,
    `--${boundary}` + CRLF + "Content-Type: message/rfc822" + CRLF +
    `Content-Disposition: attachment; ${filenameParam(m.attachOriginal.filename)}` + CRLF +
    `Content-Transfer-Encoding: ${transferEncodingOf(original)}` + CRLF + CRLF,
    original,
    CRLF + `--${boundary}--` + CRLF,
  ]);
}

/** Input no retry can make buildable: a permanent delivery failure, so the outbox fails the effect at once. */
function invalid(message: string): DeliveryError {
  return new DeliveryError(message, true);
}

const REPLY_PREFIX = /^(?:(?:re|aw|sv)\s*(?:\[\d+\])?\s*:\s*)+/i;

/**
 * The subject of a reply to `original`: "Re: " once. Leading reply prefixes (Re, RE, Re :, Re[2]:, and the
 * German and Scandinavian AW/SV) are replaced by one "Re: "; anything else (Fwd:, TR:) is kept after it.
 */
export function replySubject(original: string | null | undefined): string {
  const rest = oneLine(original ?? "").replace(REPLY_PREFIX, "");
  return `Re: ${rest || "(no subject)"}`;
}

/** The bare lower-case address of "Name <a@b.c>" (or of a bare address). */
export function addressOf(mailbox: string): string {
  const bracketed = /<([^<>]*)>\s*$/.exec(mailbox);
  return (bracketed ? bracketed[1] : mailbox).trim().toLowerCase();
}

/**
 * Control characters (C0, DEL, C1) become spaces and runs of white space (including U+2028) one space: no CR
 * or LF can reach a header.
 */
function oneLine(value: string): string {
  // deno-lint-ignore no-control-regex
  return value.replace(/[\x00-\x1f\x7f-\x9f\s]+/g, " ").trim();
}

interface Mailbox {
  name: string;
  address: string;
}

function parseMailbox(mailbox: string): Mailbox {
  const value = oneLine(mailbox);
  const lt = value.lastIndexOf("<");
  const bracketed = lt >= 0 && value.endsWith(">");
  const address = (bracketed ? value.slice(lt + 1, -1) : value).trim();
  if (!ADDRESS.test(address) || !/^[\x21-\x7e]+$/.test(address)) {
    throw invalid(`Cannot build message: ${JSON.stringify(address)} is not an e-mail address`);
  }
  const quoted = bracketed ? value.slice(0, lt).trim() : "";
  const name = /^".*"$/.test(quoted) ? quoted.slice(1, -1).replace(/\\(.)/g, "$1") : quoted;
  return { name: name.trim(), address };
}

function mailboxAtoms({ name, address }: Mailbox): string[] {
  if (!name) return [address];
  let words: string[];
  if (/^[\x20-\x7e]*$/.test(name) && !name.includes("=?") && name.length <= 200) {
    // RFC 5322 atext words go as they are; anything with specials (",", ".", "@"…) in one quoted string.
    words = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]+$/.test(name)
      ? name.split(" ")
      : [`"${name.replace(/[\\"]/g, "\\$&")}"`];
  } else {
    words = encodedWords(name);
  }
  return [...words, `<${address}>`];
}

function withComma(atoms: string[], comma: boolean): string[] {
  return comma ? [...atoms.slice(0, -1), atoms[atoms.length - 1] + ","] : atoms;
}

/** Words of an unstructured value (Subject, extra headers): as they are when ASCII, else RFC 2047 words. */
function unstructuredAtoms(value: string): string[] {
  const text = oneLine(value);
  if (!text) return [];
  const words = text.split(" ");
  const plain = /^[\x20-\x7e]*$/.test(text) && !text.includes("=?") &&
    words.every((w) => w.length < SOFT_LINE);
  return plain ? words : encodedWords(text);
}

/**
 * RFC 2047 encoded-words of at most 67 characters, never splitting a character's UTF-8 bytes between two
 * words. Q keeps Latin text readable; B is used when it is shorter (Cyrillic, CJK). Only characters allowed
 * in a phrase are left literal, so the same words serve subjects and display names.
 */
function encodedWords(text: string): string[] {
  const q: string[] = [""];
  const b: number[][] = [[]];
  for (const ch of text) {
    const bytes = utf8.encode(ch);
    const enc = /^[A-Za-z0-9!*+\-/]$/.test(ch)
      ? ch
      : ch === " "
      ? "_"
      : [...bytes].map((x) => "=" + hexByte(x)).join("");
    if (q[q.length - 1].length + enc.length > WORD_PAYLOAD) q.push("");
    q[q.length - 1] += enc;
    // 39 bytes are 52 base64 characters: the same 55-character budget.
    if (b[b.length - 1].length + bytes.length > 39) b.push([]);
    b[b.length - 1].push(...bytes);
  }
  const qWords = q.map((w) => `=?utf-8?q?${w}?=`);
  const bWords = b.map((w) => `=?utf-8?b?${btoa(String.fromCharCode(...w))}?=`);
  return bWords.join("").length < qWords.join("").length ? bWords : qWords;
}

/** "Name: atom atom", folded before an atom where the line would pass 78 characters. */
function foldHeader(name: string, atoms: string[]): string {
  let out = `${name}:`;
  let line = out.length;
  for (const atom of atoms) {
    if (line > name.length + 1 && line + 1 + atom.length > SOFT_LINE) {
      out += CRLF;
      line = 0;
    }
    out += " " + atom;
    line += 1 + atom.length;
    // Atoms are bounded (addresses, message ids ≤ 900, words < 78), so this only guards against a slip.
    if (line > HARD_LINE) throw invalid(`Cannot build message: the ${name} header has a line over 998`);
  }
  return out + CRLF;
}

/** A message id as "<…>" without white space, or undefined when it cannot be one. */
function msgId(id: string): string | undefined {
  // deno-lint-ignore no-control-regex
  const bare = id.replace(/[\x00-\x20\x7f]/g, "").replace(/^<|>$/g, "");
  return bare && bare.length <= 900 && !/[<>]/.test(bare) ? `<${bare}>` : undefined;
}

/** RFC 5322 §3.6.4 lets long chains be shortened: keep the thread's root and the most recent 19 ids. */
function trimReferences(ids: string[]): string[] {
  const valid = [...new Set(ids.map(msgId).filter((id): id is string => id !== undefined))];
  return valid.length <= 20 ? valid : [valid[0], ...valid.slice(-19)];
}

/** UTF-8 quoted-printable (RFC 2045 §6.7): CRLF lines of at most 76 characters, soft breaks between characters. */
function quotedPrintable(text: string): string {
  const out: string[] = [];
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
  for (const line of lines) {
    const chars = [...line];
    let current = "";
    chars.forEach((ch, i) => {
      const last = i === chars.length - 1;
      const code = ch.charCodeAt(0);
      // Space and tab are literal except at the end of a line, where transports may strip them.
      const literal = ch.length === 1 && code !== 0x3d &&
        ((code >= 0x21 && code <= 0x7e) || ((code === 0x20 || code === 0x09) && !last));
      const enc = literal ? ch : [...utf8.encode(ch)].map((x) => "=" + hexByte(x)).join("");
      if (current.length + enc.length > (last ? 76 : 75)) {
        out.push(current + "=");
        current = "";
      }
      current += enc;
    });
    out.push(current);
  }
  return out.join(CRLF) + CRLF;
}

function hexByte(byte: number): string {
  return byte.toString(16).toUpperCase().padStart(2, "0");
}

/**
 * 128 random bits after "=_", which quoted-printable can never produce ("=" is always followed by hex or a
 * line break); the attached original is checked as well.
 */
function newBoundary(original: Uint8Array): string {
  const haystack = new TextDecoder("latin1").decode(original);
  for (;;) {
    const boundary = "=_" + encodeHex(crypto.getRandomValues(new Uint8Array(16)));
    if (!haystack.includes(boundary)) return boundary;
  }
}

/** filename="…" for ASCII names, else RFC 2231 filename*=utf-8''… (RFC 2183 §2.3 forbids encoded-words). */
function filenameParam(filename: string): string {
  const name = oneLine(filename).replace(/[\\"/]/g, "_").slice(0, 100) || "original.eml";
  if (/^[\x20-\x7e]*$/.test(name)) return `filename="${name}"`;
  const encoded = [...utf8.encode(name)].map((b) =>
    /[A-Za-z0-9.\-_~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : "%" + hexByte(b)
  ).join("");
  return `filename*=utf-8''${encoded}`;
}

/**
 * RFC 2046 §5.2.1: a message/rfc822 part is 7bit, 8bit or binary, never base64, so the original goes as it is
 * and is labelled by what it contains. Bare LF line ends are accepted as lines (every MTA and parser reads
 * them); NUL bytes or lines over 998 characters make it binary.
 */
function transferEncodingOf(bytes: Uint8Array): "7bit" | "8bit" | "binary" {
  let eightBit = false;
  let line = 0;
  for (const b of bytes) {
    if (b === 0) return "binary";
    if (b === 0x0a || b === 0x0d) {
      line = 0;
      continue;
    }
    if (b >= 0x80) eightBit = true;
    if (++line > HARD_LINE) return "binary";
  }
  return eightBit ? "8bit" : "7bit";
}

function concat(parts: (string | Uint8Array)[]): Uint8Array {
  const chunks = parts.map((p) => typeof p === "string" ? utf8.encode(p) : p);
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
