/**
 * Charset labels as they really come, repaired before postal-mime reads the message. postal-mime decodes a
 * part with `getDecoder(label)`: the WHATWG labels, its own aliases, and windows-1252 for anything else,
 * silently. So a label it cannot read must be fixed in the bytes it is given (the stored bytes never change):
 * - UTF-7 (`utf-7`, `unicode-1-1-utf-7`), which no TextDecoder has: the part is decoded here (modified base64
 *   of UTF-16BE, RFC 2152) and handed on as UTF-8 in base64; encoded words (`=?utf-7?Q?…?=`) likewise;
 * - labels broken by a gateway's quoted-printable (`charset=3Dutf-8`, `charset=3D"us-ascii"`);
 * - misspellings (`uft-8`, `latin-1`, `win-1252`, `iso8859_1`, `utf8mb4`…), mapped to the label meant.
 * What was guessed is reported (stored as `emails.parse_error`); a label that cannot be guessed is left as it
 * is and reported as read as Latin-1, which is what postal-mime then does.
 */

import { decodeUtf7 } from "./utf7.ts";

/** The message to parse, and what was repaired or could not be. */
export interface CharsetRepair {
  /** The input itself when nothing needed repair. */
  raw: Uint8Array;
  problems: string[];
}

/** How a label is read: a label TextDecoder takes, UTF-7, or nothing known. */
export type ResolvedCharset =
  | { kind: "ok"; label: string; guessed?: string }
  | { kind: "utf-7" }
  | { kind: "unknown" };

/** Labels past this many characters of the message (inside huge attachments) are not looked at. */
const SCAN_CHARS = 4 * 1024 * 1024;

const UTF7_LABELS = new Set(["utf7", "unicode11utf7", "unicode20utf7", "unicodeutf7"]);

/**
 * Misspellings seen in real mail, by normalised label (lower case, no `x-`/`cs` prefix, no separators), to the
 * label meant. Code pages (`win-1252`, `ms-1252`, `ansi-1252`) are handled by a pattern below.
 */
const MISSPELLINGS = new Map<string, string>([
  ["uft8", "utf-8"],
  ["ufo8", "utf-8"],
  ["utf", "utf-8"],
  ["ut8", "utf-8"],
  ["uf8", "utf-8"],
  ["tf8", "utf-8"],
  ["utf08", "utf-8"],
  ["utf88", "utf-8"],
  ["utff8", "utf-8"],
  ["utf8mb3", "utf-8"],
  ["utf8mb4", "utf-8"],
  ["unicode11utf8", "utf-8"],
  ["unicodeutf8", "utf-8"],
  ["latin", "windows-1252"],
  ["latin1", "windows-1252"],
  ["isolatin1", "windows-1252"],
  ["latin9", "iso-8859-15"],
  ["isolatin9", "iso-8859-15"],
  ["latin2", "iso-8859-2"],
  ["isolatin2", "iso-8859-2"],
  ["88591", "windows-1252"],
  ["8859", "windows-1252"],
  ["iso8859", "windows-1252"],
  ["885915", "iso-8859-15"],
  ["isolatin", "windows-1252"],
  ["usascii", "windows-1252"],
  ["ascii", "windows-1252"],
  ["ansi", "windows-1252"],
  ["ansix341968", "windows-1252"],
  ["usansi", "windows-1252"],
  ["us", "windows-1252"],
  ["iso", "windows-1252"],
  ["western", "windows-1252"],
  ["win", "windows-1252"],
  ["windows", "windows-1252"],
  ["sjis", "shift_jis"],
  ["shiftjis", "shift_jis"],
  ["jis", "iso-2022-jp"],
  ["iso2022jp", "iso-2022-jp"],
  ["iso2022jp1", "iso-2022-jp"],
  ["iso2022jp2", "iso-2022-jp"],
  ["eucjp", "euc-jp"],
  ["euckr", "euc-kr"],
  ["gb2312", "gbk"],
  ["big5", "big5"],
  ["koi8r", "koi8-r"],
  ["koi8u", "koi8-u"],
]);

const CODE_PAGE = /^(?:win|windows|cp|ms|ansi|ibm|wincp)(125[0-8]|874|932|936|949|950)$/;
const CODE_PAGES: Record<string, string> = {
  "932": "shift_jis",
  "936": "gbk",
  "949": "euc-kr",
  "950": "big5",
  "874": "windows-874",
};
/** iso-8859-N written without its dash or with other separators: "iso8859_1", "iso 8859-2", "8859-15". */
const ISO_8859 = /^(?:iso)?8859(\d{1,2})$/;

/** Reads a charset label as postal-mime should; `guessed` says what was assumed when the label was not valid. */
export function resolveCharset(written: string): ResolvedCharset {
  const label = written.trim().replace(/^["']+|["']+$/g, "").toLowerCase();
  const normalised = label.replace(/^(?:x-|cs)/, "").replace(/[\s._:-]+/g, "");
  if (UTF7_LABELS.has(normalised)) return { kind: "utf-7" };
  if (label && decodable(label)) return { kind: "ok", label };
  if (normalised && decodable(normalised)) return { kind: "ok", label: normalised };
  const meant = MISSPELLINGS.get(normalised) ?? codePage(normalised) ?? iso8859(normalised);
  return meant && decodable(meant) ? { kind: "ok", label: meant, guessed: meant } : { kind: "unknown" };
}

function codePage(normalised: string): string | undefined {
  const n = CODE_PAGE.exec(normalised)?.[1];
  return n === undefined ? undefined : CODE_PAGES[n] ?? `windows-${n}`;
}

function iso8859(normalised: string): string | undefined {
  const n = ISO_8859.exec(normalised)?.[1];
  return n === undefined ? undefined : n === "1" ? "windows-1252" : `iso-8859-${n}`;
}

const decodable = (() => {
  const known = new Map<string, boolean>();
  return (label: string): boolean => {
    let ok = known.get(label);
    if (ok === undefined) {
      try {
        new TextDecoder(label);
        ok = true;
      } catch {
        ok = false;
      }
      // Bounded: a message can make up labels, so only the first few hundred are remembered.
      if (known.size < 500) known.set(label, ok);
    }
    return ok;
  };
})();

interface Edit {
  start: number;
  end: number;
  text: string;
}

/** Repairs the charset labels of one message (see the module comment). */
export function repairCharsets(raw: Uint8Array): CharsetRepair {
  const problems = new Set<string>();
  // Two passes: a UTF-7 part's edit spans its whole header block, which holds the encoded words of its
  // Subject when the message is one part.
  let edits: Edit[] = [];
  let text = LATIN1.decode(raw.subarray(0, SCAN_CHARS));
  encodedWordEdits(text, edits, problems);
  let out = applyEdits(raw, edits);
  if (edits.length > 0) text = LATIN1.decode(out.subarray(0, SCAN_CHARS));
  edits = [];
  contentTypeEdits(text, edits, problems);
  out = applyEdits(out, edits);
  return { raw: out, problems: [...problems] };
}

function applyEdits(raw: Uint8Array, edits: Edit[]): Uint8Array {
  if (edits.length === 0) return raw;
  edits.sort((a, b) => a.start - b.start);
  const pieces: Uint8Array[] = [];
  let at = 0;
  for (const e of edits) {
    if (e.start < at) continue; // overlapping: the first edit of a region wins
    pieces.push(raw.subarray(at, e.start), latin1Bytes(e.text));
    at = e.end;
  }
  pieces.push(raw.subarray(at));
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of pieces) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** `charset=` parameters of Content-Type header lines (of the message, its parts, attached messages). */
function contentTypeEdits(text: string, edits: Edit[], problems: Set<string>): void {
  const re = /charset\s*=\s*/gi;
  let m: RegExpExecArray | null;
  let found = 0;
  let utf7Parts = 0;
  let boundaries: string[] | undefined;
  const memo = { line: -1, result: -1 };
  while ((m = re.exec(text)) !== null && found < 200) {
    const valueAt = m.index + m[0].length;
    const line = contentTypeLineOf(text, m.index, memo);
    if (line < 0) continue;
    found++;
    const value = /^((?:3D)*)("?)((?:3D)*)([A-Za-z0-9_.:+-]{1,40})("?)/i.exec(
      text.slice(valueAt, valueAt + 50),
    );
    if (!value) continue;
    const [whole, qp1, open, qp2, written, close] = value;
    const qpDamage = qp1.length > 0 || qp2.length > 0;
    const resolved = resolveCharset(written);
    if (resolved.kind === "unknown") {
      problems.add(
        `unknown charset "${written.toLowerCase()}": that part was decoded as Latin-1 and may be garbled`,
      );
      continue;
    }
    if (resolved.kind === "utf-7") {
      // Bounded: each part costs a scan to its end; a message does not carry dozens of UTF-7 parts.
      const block = utf7Parts++ < 10 ? headerBlock(text, line) : undefined;
      boundaries ??= boundariesOf(text);
      const part = block && utf7PartEdit(text, block, boundaries);
      if (!part) {
        problems.add(
          `charset "${written.toLowerCase()}": the UTF-7 part could not be located, read as Latin-1`,
        );
        continue;
      }
      edits.push(part);
      // Labels inside the rewritten part are its text now: the scan goes on after it (linear overall).
      re.lastIndex = Math.max(re.lastIndex, part.end);
      continue;
    }
    if (!qpDamage && !resolved.guessed) continue;
    const why = qpDamage ? "a label broken by quoted-printable" : "a misspelt label";
    problems.add(`charset "${(qp1 + qp2 + written).toLowerCase()}" read as "${resolved.label}" (${why})`);
    const quote = open || close ? '"' : "";
    edits.push({ start: valueAt, end: valueAt + whole.length, text: `${quote}${resolved.label}${quote}` });
  }
}

/**
 * The start of the Content-Type header line that `at` is in (folded lines too), or -1 when it is not one.
 * `memo` keeps the last line's answer: matches come in order, so a line with several `charset=` or a run of
 * folded lines is walked once, not once a match (a body of 300,000 such lines took ~1 s without it).
 */
function contentTypeLineOf(text: string, at: number, memo: { line: number; result: number }): number {
  let line = text.lastIndexOf("\n", at) + 1;
  if (line === memo.line) return memo.result;
  const first = line;
  // Walk back over folded continuation lines (at most 20) to the header's first line.
  let result: number | undefined;
  for (let n = 0; n < 20 && (text[line] === " " || text[line] === "\t") && line > 0; n++) {
    line = text.lastIndexOf("\n", line - 2) + 1;
    if (line === memo.line) {
      result = memo.result;
      break;
    }
  }
  result ??= text.slice(line, line + 13).toLowerCase() === "content-type:" ? line : -1;
  memo.line = first;
  memo.result = result;
  return result;
}

/** The header block (start, end past its blank line) around the header line at `line`. */
function headerBlock(text: string, line: number): { start: number; end: number } | undefined {
  // The block starts after the previous blank line or boundary line, at most 100 lines up.
  let start = line;
  for (let n = 0; n < 100 && start > 0; n++) {
    const prev = text.lastIndexOf("\n", start - 2) + 1;
    const content = text.slice(prev, start).replace(/[\r\n]+$/, "");
    if (content === "" || content.startsWith("--")) break;
    start = prev;
  }
  // A part's headers end within 64 KB (postal-mime's own limit on a header block is larger, but no mailer
  // writes one that long).
  const end = /\r?\n\r?\n/.exec(text.slice(line, line + 65536));
  return end ? { start, end: line + end.index + end[0].length } : undefined;
}

/**
 * A UTF-7 part rewritten as UTF-8 in base64: its header block (charset and transfer encoding replaced) and its
 * body, which runs to the next boundary line of the message (or its end).
 */
function utf7PartEdit(
  text: string,
  block: { start: number; end: number },
  boundaries: string[],
): Edit | undefined {
  const head = text.slice(block.start, block.end);
  const bodyStart = block.end;
  // The first line after it that is "--" and a boundary: one pass over the "--" lines, whatever their number.
  let bodyEnd = text.length;
  for (let at = text.indexOf("\n--", bodyStart - 1); at >= 0; at = text.indexOf("\n--", at + 3)) {
    if (boundaries.some((b) => text.startsWith(b, at + 3))) {
      bodyEnd = at + 1;
      break;
    }
  }
  const cte = /^content-transfer-encoding:[ \t]*([A-Za-z0-9-]+)/im.exec(head)?.[1]?.toLowerCase() ?? "7bit";
  const body = text.slice(bodyStart, bodyEnd);
  let encoded: string;
  if (cte === "base64") {
    try {
      encoded = atob(body.replace(/[^A-Za-z0-9+/]/g, ""));
    } catch {
      return undefined;
    }
  } else if (cte === "quoted-printable") {
    encoded = body.replace(/=\r?\n/g, "").replace(
      /=([0-9A-Fa-f]{2})/g,
      (_, h) => String.fromCharCode(parseInt(h, 16)),
    );
  } else encoded = body;
  const decoded = decodeUtf7(encoded.replace(/\r\n/g, "\n")).replace(/\r?\n/g, "\r\n");
  const b64 = btoa(latin1OfUtf8(decoded)).replace(/.{1,76}/g, "$&\r\n");
  const newHead = head
    .replace(/^content-transfer-encoding:[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*\r?\n/gim, "")
    .replace(/(charset\s*=\s*)"?(?:3D)*"?[A-Za-z0-9_.:+-]{1,40}"?/i, '$1"utf-8"')
    .replace(/\r?\n\r?\n$/, "\r\nContent-Transfer-Encoding: base64\r\n\r\n");
  return { start: block.start, end: bodyEnd, text: newHead + b64 };
}

/** Every multipart boundary the message declares (at most 20). */
function boundariesOf(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(/boundary\s*=\s*(?:"([^"\r\n]{1,200})"|([^;\s"]{1,200}))/gi)) {
    found.add(m[1] ?? m[2]);
    if (found.size >= 20) break;
  }
  return [...found];
}

/** Encoded words (RFC 2047) whose charset is UTF-7 or misspelt, rewritten as UTF-8 encoded words. */
function encodedWordEdits(text: string, edits: Edit[], problems: Set<string>): void {
  if (!text.includes("=?")) return;
  const re = /=\?([^?\s*]{1,60})(\*[^?\s]{1,20})?\?([bBqQ])\?([^?\s]{0,1000})\?=/g;
  let m: RegExpExecArray | null;
  let n = 0;
  while ((m = re.exec(text)) !== null && n++ < 1000) {
    const [whole, written, , encoding, payload] = m;
    const resolved = resolveCharset(written);
    if (resolved.kind === "unknown" || (resolved.kind === "ok" && !resolved.guessed)) continue;
    let bytes: string;
    if (encoding.toLowerCase() === "b") {
      try {
        bytes = atob(payload);
      } catch {
        continue;
      }
    } else {
      bytes = payload.replace(/_/g, " ").replace(
        /=([0-9A-Fa-f]{2})/g,
        (_, h) => String.fromCharCode(parseInt(h, 16)),
      );
    }
    let value: string;
    if (resolved.kind === "utf-7") value = decodeUtf7(bytes);
    else {
      problems.add(`charset "${written.toLowerCase()}" read as "${resolved.label}" (a misspelt label)`);
      value = new TextDecoder(resolved.label).decode(latin1Bytes(bytes));
    }
    edits.push({
      start: m.index,
      end: m.index + whole.length,
      text: `=?utf-8?B?${btoa(latin1OfUtf8(value))}?=`,
    });
  }
}

const LATIN1 = new TextDecoder("latin1");
const UTF8 = new TextEncoder();

/** One byte a character: the string must hold only code points below 256. */
function latin1Bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** The UTF-8 bytes of `text`, as a string of one character a byte (for btoa). */
function latin1OfUtf8(text: string): string {
  const bytes = UTF8.encode(text);
  let out = "";
  for (let i = 0; i < bytes.length; i += 8192) out += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return out;
}
