/**
 * Leaves the bytes of base64 attachments out of what the MIME parser reads. postal-mime decodes every
 * attachment line by line (a 1.5 MB video cost ~105 ms and ~27 MB of garbage on the event loop, where the
 * other 150 corpus messages together took ~90 ms), and the `emails` row keeps only an attachment's metadata:
 * the bytes stay in `raw_messages`. So before parsing, the body of each binary base64 part is replaced by
 * a marker line, and the decoded size is counted here by postal-mime's own rule.
 *
 * Conservative by design: only a part that starts after a boundary line of a multipart that is open at that
 * point (tracked as postal-mime does), whose headers (read by postal-mime's rules) name a binary Content-Type
 * (application, image, audio, video, font, model) and the base64 encoding, and only when its body ends at
 * such a boundary line (or the end). Nothing inside any other part is touched. The work is linear: the scan
 * only moves forward. A test compares the parse of every corpus message, of mutants and of edge cases with
 * and without elision.
 */

/** The message with attachment bodies left out, and how to read the markers back. */
export interface ElidedMessage {
  raw: Uint8Array;
  /** The decoded size of an elided attachment, given the content postal-mime returned for its marker. */
  sizeOf(content: ArrayBuffer | Uint8Array): number | undefined;
}

/** Bodies shorter than this are left in place (default): there is nothing to gain. */
export const ELIDE_MIN_BYTES = 8192;

/**
 * Returns undefined when no body qualifies. Works on the bytes (short pieces are read as Latin-1, one
 * character a byte): no string of the whole message is made.
 */
export function elideAttachmentBodies(
  raw: Uint8Array,
  minBytes = ELIDE_MIN_BYTES,
): ElidedMessage | undefined {
  const top = readPart(raw, 0, 2000);
  if (!top?.media?.startsWith("multipart/") || !top.boundary) return undefined;
  // The boundaries open at this point, outermost first, as postal-mime keeps them: a line is a boundary when
  // it is "--" + one of them (+ "--" to close it), innermost first, with nothing after but spaces and tabs.
  const open = [top.boundary];
  const boundaryAt = (lineStart: number): { depth: number; closes: boolean } | undefined => {
    if (raw[lineStart] !== DASH || raw[lineStart + 1] !== DASH) return undefined;
    const line = trimEnd(latin1(raw, lineStart, endOfLine(raw, lineStart)));
    const rest = line.slice(2);
    for (let depth = open.length - 1; depth >= 0; depth--) {
      if (rest === open[depth]) return { depth, closes: false };
      if (rest === `${open[depth]}--`) return { depth, closes: true };
    }
    return undefined;
  };
  const cuts: { start: number; end: number; size: number }[] = [];
  let at = nextDashLine(raw, top.bodyStart);
  while (at >= 0 && open.length > 0) {
    const lineStart = at;
    at = nextDashLine(raw, lineStart + 1);
    const boundary = boundaryAt(lineStart);
    if (!boundary) continue;
    open.length = boundary.depth + 1;
    if (boundary.closes) {
      open.pop();
      continue;
    }
    const part = readPart(raw, endOfLine(raw, lineStart) + 1);
    if (!part) break;
    if (part.media?.startsWith("multipart/")) {
      // Its boundary is opened by postal-mime only when its Content-Type names one; read on into it.
      if (part.boundary) open.push(part.boundary);
      at = nextDashLine(raw, part.bodyStart);
      continue;
    }
    if (part.media && BINARY_TYPE.test(part.media) && part.media !== "application/ics" && part.base64) {
      const run = base64Run(raw, part.bodyStart);
      // Only a body that ends at a boundary postal-mime sees too (or at the end) is left out whole.
      const ends = run.end === raw.length || boundaryAt(run.end) !== undefined;
      if (ends && run.end - part.bodyStart >= minBytes && run.end > part.bodyStart) {
        cuts.push({ start: part.bodyStart, end: run.end, size: run.size });
      }
    }
    // The rest of this part (all of it, for any other part) is its body: its next line that is a boundary
    // ends it. Nothing else inside is read: a nested message (message/*, or a part without a type, which in
    // a digest is one) is kept whole, since postal-mime may return it as an attachment of its own bytes.
    at = nextDashLine(raw, part.bodyStart);
  }
  if (cuts.length === 0) return undefined;

  const marker = `ses-daemon-bot elided ${crypto.randomUUID()} `;
  const lines = cuts.map((_, i) => ASCII.encode(`${btoa(marker + i)}\r\n`));
  const out = new Uint8Array(
    raw.length - cuts.reduce((n, c) => n + c.end - c.start, 0) + lines.reduce((n, l) => n + l.length, 0),
  );
  let read = 0, write = 0;
  cuts.forEach((cut, i) => {
    out.set(raw.subarray(read, cut.start), write);
    write += cut.start - read;
    out.set(lines[i], write);
    write += lines[i].length;
    read = cut.end;
  });
  out.set(raw.subarray(read), write);

  return {
    raw: out,
    sizeOf(content) {
      if (content.byteLength > marker.length + 12) return undefined;
      const s = LATIN1.decode(content);
      if (!s.startsWith(marker)) return undefined;
      return cuts[Number(s.slice(marker.length))]?.size;
    },
  };
}

const ASCII = new TextEncoder();
const LATIN1 = new TextDecoder("latin1");

function latin1(raw: Uint8Array, start: number, end: number): string {
  return LATIN1.decode(raw.subarray(start, end));
}

function endOfLine(raw: Uint8Array, start: number): number {
  const nl = raw.indexOf(NL, start);
  return nl < 0 ? raw.length : nl;
}

/** The start of the next line at or after `from` that begins with "--"; -1 when there is none. */
function nextDashLine(raw: Uint8Array, from: number): number {
  for (let i = raw.indexOf(DASH, from); i >= 0; i = raw.indexOf(DASH, i + 1)) {
    if (raw[i + 1] === DASH && (i === 0 || raw[i - 1] === NL)) return i;
  }
  return -1;
}

/** Media types whose parts postal-mime always returns as attachments (never as text or a nested message). */
const BINARY_TYPE = /^(?:application|image|audio|video|font|model)\/[a-z0-9.+-]+$/;

/**
 * The boundary parameter of a Content-Type value, when it is plain: quoted without escapes, or a bare token.
 * Anything postal-mime might read otherwise (RFC 2231 `boundary*`, escapes, comments) gives undefined, and
 * then no line of it counts as a boundary here, so the part's contents are left as they are.
 */
function boundaryParam(type: string): string | undefined {
  if (/boundary\*|[\\(]/i.test(type)) return undefined;
  const m = /;\s*boundary\s*=\s*(?:"([^"\r\n]{1,200})"|([^;\s"]{1,200}))\s*(?:;|$)/i.exec(type);
  return m ? m[1] ?? m[2] : undefined;
}

/** Space and tab only, as postal-mime trims header names and values (not NBSP and the like). */
function trimWsp(s: string): string {
  return s.replace(/^[ \t]+|[ \t]+$/g, "");
}

function trimEnd(line: string): string {
  return line.replace(/[ \t\r]+$/, "");
}

/**
 * Reads the part headers that start at `start`, as postal-mime does: they end at the first empty line,
 * continuation lines start with a space or a tab, the first Content-Type and Content-Transfer-Encoding
 * count. Undefined when no empty line comes within `maxLines` lines.
 */
function readPart(
  raw: Uint8Array,
  start: number,
  maxLines = 200,
):
  | { media: string | undefined; boundary: string | undefined; base64: boolean; bodyStart: number }
  | undefined {
  let type: string | undefined, encoding: string | undefined;
  let field: { key: string; value: string } | undefined;
  const settle = () => {
    if (!field) return;
    if (field.key === "content-type") type ??= field.value;
    if (field.key === "content-transfer-encoding") encoding ??= field.value;
  };
  let at = start;
  for (let lines = 0; lines < maxLines; lines++) {
    if (at >= raw.length) return undefined;
    const end = endOfLine(raw, at);
    const line = latin1(raw, at, end).replace(/[\r\n]+/g, "");
    at = end + 1;
    if (line === "") {
      settle();
      return {
        media: type === undefined ? undefined : trimWsp(type.split(";")[0]).toLowerCase(),
        boundary: type === undefined ? undefined : boundaryParam(type),
        base64: encoding !== undefined && trimWsp(encoding).toLowerCase() === "base64",
        bodyStart: at,
      };
    }
    if (line[0] === " " || line[0] === "\t") {
      if (field) field.value += line;
      continue;
    }
    settle();
    const colon = line.indexOf(":");
    field = colon < 0
      ? undefined
      : { key: trimWsp(line.slice(0, colon)).toLowerCase(), value: line.slice(colon + 1) };
  }
  return undefined;
}

/** 1 for a base64 character, 2 for "=", 0 for anything else (which the decoder drops). */
const KIND = new Uint8Array(256);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") KIND[c.charCodeAt(0)] = 1;
KIND["=".charCodeAt(0)] = 2;

const NL = 0x0a, CR = 0x0d, DASH = 0x2d;

/**
 * The body from `start` up to the first line that could be a boundary (one that starts with "--" and has more
 * on it; a base64 line never does), or the end: where it ends (that line's start) and the bytes postal-mime
 * would decode from it. Its decoder keeps only base64 characters and "=" (it reads each line as UTF-8, and
 * an invalid sequence never takes an ASCII byte with it), splits at each run of "=", and decodes each unit
 * alone, a unit of 4n + 1 characters losing its last one.
 */
function base64Run(raw: Uint8Array, start: number): { end: number; size: number } {
  let size = 0, unit = 0;
  const unitBytes = (n: number) => {
    const len = n % 4 === 1 ? n - 1 : n;
    const rest = len % 4;
    return Math.floor(len / 4) * 3 + (rest ? rest - 1 : 0);
  };
  for (let i = start; i < raw.length; i++) {
    const byte = raw[i];
    if (
      byte === DASH && (i === start || raw[i - 1] === NL) && raw[i + 1] === DASH &&
      i + 2 < raw.length && raw[i + 2] !== NL && raw[i + 2] !== CR
    ) {
      return { end: i, size: size + unitBytes(unit) };
    }
    const kind = KIND[byte];
    if (kind === 1) unit++;
    else if (kind === 2) {
      size += unitBytes(unit);
      unit = 0;
    }
  }
  return { end: raw.length, size: size + unitBytes(unit) };
}
