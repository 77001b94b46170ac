/**
 * A deterministic mutator of raw messages for the fuzz test. The same seed and message number always give the
 * same bytes, so a failure found once reproduces from `FUZZ_SEED` and the number alone.
 *
 * Mutations work on "byte strings" (one character per byte, codes 0–255), so they can cut, insert and flip
 * anywhere without a decoder deciding what the bytes mean.
 */

/** A random number in [0, 1). */
export type Rng = () => number;

/** mulberry32: 32 bits of state, fast, and plenty for picking mutations (not for cryptography). */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The generator of message `n` of a run: each message reproduces alone from `(seed, n)`. */
export function rngFor(seed: number, n: number): Rng {
  return mulberry32((seed ^ Math.imul(n + 1, 0x9e3779b9)) >>> 0);
}

/** Every kind of damage {@linkcode mutate} does. */
export const MUTATION_KINDS = [
  "truncate",
  "flip_bytes",
  "duplicate_header",
  "remove_header",
  "break_boundary",
  "huge_header",
  "nul_and_invalid_utf8",
  "line_endings",
  "deep_multipart",
  "random_charset",
] as const;

/** One kind of damage. */
export type MutationKind = typeof MUTATION_KINDS[number];

/** A mutated message and what was done to it, in order. */
export interface Mutant {
  bytes: Uint8Array;
  kinds: MutationKind[];
}

/** Applies 1–3 distinct kinds of damage, in random order. */
export function mutate(bytes: Uint8Array, rng: Rng): Mutant {
  const kinds = [...MUTATION_KINDS];
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j], kinds[i]];
  }
  const chosen = kinds.slice(0, int(rng, 1, 3));
  let text = toText(bytes);
  for (const kind of chosen) text = MUTATORS[kind](text, rng);
  return { bytes: toBytes(text), kinds: chosen };
}

/** Applies one kind of damage (for a minimal reproduction). */
export function mutateOnce(bytes: Uint8Array, kind: MutationKind, rng: Rng): Uint8Array {
  return toBytes(MUTATORS[kind](toText(bytes), rng));
}

type Mutator = (text: string, rng: Rng) => string;

const IMPORTANT = "from message-id content-type date subject mime-version return-path to".split(" ");

const MUTATORS: Record<MutationKind, Mutator> = {
  truncate(text, rng) {
    const r = rng();
    // Cuts at 0 (empty file) and around the end of the header block are the interesting edges.
    if (r < 0.05) return "";
    if (r < 0.25) return text.slice(0, Math.max(0, split(text).headEnd + int(rng, -40, 40)));
    return text.slice(0, int(rng, 0, text.length));
  },

  flip_bytes(text, rng) {
    if (text.length === 0) return text;
    const at = Array.from({ length: int(rng, 1, 64) }, () => int(rng, 0, text.length - 1)).sort((a, b) =>
      a - b
    );
    let out = "";
    let from = 0;
    for (const i of at) {
      if (i < from) continue;
      const flipped = rng() < 0.5 ? text.charCodeAt(i) ^ int(rng, 1, 255) : int(rng, 0, 255);
      out += text.slice(from, i) + String.fromCharCode(flipped);
      from = i + 1;
    }
    return out + text.slice(from);
  },

  duplicate_header(text, rng) {
    const m = split(text);
    if (m.fields.length === 0) return text;
    const i = pickField(m.fields, rng);
    let copy = m.fields[i];
    // Half the time the copy disagrees with the original (two From, two Message-IDs, two boundaries).
    if (rng() < 0.5) copy = `${fieldName(copy) || "X-Dup"}: ${randomWord(rng, 4, 30)}@dup.example${m.eol}`;
    m.fields.splice(int(rng, 0, m.fields.length), 0, copy);
    return join(m);
  },

  remove_header(text, rng) {
    const m = split(text);
    if (m.fields.length === 0) return text;
    const name = fieldName(m.fields[pickField(m.fields, rng)]);
    // Every field of that name goes, so a message really has no From (or Message-ID, or Content-Type).
    m.fields = m.fields.filter((f) => fieldName(f) !== name);
    return join(m);
  },

  break_boundary(text, rng) {
    const boundaries = [...text.matchAll(/boundary\s*=\s*"?([^";\r\n]+)"?/gi)].map((x) => x[1]);
    if (boundaries.length === 0) {
      const m = split(text);
      const param = pick(rng, ["", "; boundary=", '; boundary=""', "; boundary=nowhere"]);
      setField(m, "content-type", `Content-Type: multipart/mixed${param}${m.eol}`);
      return join(m);
    }
    const b = pick(rng, boundaries);
    const delimiters = [...text.matchAll(new RegExp(`--${escapeRegExp(b)}`, "g"))].map((x) => x.index);
    const r = rng();
    if (r < 0.3 || delimiters.length === 0) {
      const other = pick(rng, [`${b}x`, "", b.slice(1), "x".repeat(300), `${b} ${b}`, pick(rng, boundaries)]);
      return text.replace(`=${b}`, `=${other}`).replace(`="${b}"`, `="${other}"`);
    }
    const at = pick(rng, delimiters);
    const eol = text.indexOf("\n", at);
    const end = eol < 0 ? text.length : eol + 1;
    if (r < 0.55) return text.slice(0, at) + text.slice(end); // a delimiter line is gone
    if (r < 0.75) return text.replaceAll(`--${b}--`, `--${b}`); // never closed
    // One character of one delimiter changed.
    const k = at + 2 + int(rng, 0, Math.max(0, b.length - 1));
    return text.slice(0, k) + randomWord(rng, 1, 1) + text.slice(k + 1);
  },

  huge_header(text, rng) {
    const m = split(text);
    const name = pick(rng, ["X-Huge", "Subject", "References", "Received", "To", "From", "Message-ID"]);
    // 100–200 KB, and now and then over postal-mime's 2 MB limit for all headers together.
    const size = rng() < 0.04 ? 2_200_000 : int(rng, 100_000, 200_000);
    const folded = rng() < 0.5;
    // Words from a small pool: a fresh random word for each of ~20,000 costs more than the parse.
    const pool = Array.from(
      { length: 64 },
      () =>
        name === "To" || name === "From"
          ? `${randomWord(rng, 3, 12)}@${randomWord(rng, 3, 12)}.example,`
          : randomWord(rng, 2, 14),
    );
    const parts: string[] = [];
    let length = 0;
    while (length < size) {
      const word = pick(rng, pool);
      parts.push(word);
      length += word.length + 1;
    }
    let value = folded
      ? parts.map((w, i) => (i > 0 && i % 8 === 0 ? `${m.eol} ` : " ") + w).join("")
      : ` ${parts.join(" ")}`;
    if (name === "Message-ID") value = ` <${value.trim()}@huge.example>`;
    const field = `${name}:${value}${m.eol}`;
    if (rng() < 0.5 && setField(m, name.toLowerCase(), field, false)) return join(m);
    m.fields.splice(int(rng, 0, m.fields.length), 0, field);
    return join(m);
  },

  nul_and_invalid_utf8(text, rng) {
    const bad = [
      "\x00",
      "\x00\x00\x00",
      "\xff",
      "\xfe\xff",
      "\xc3\x28",
      "\xc0\xaf",
      "\xed\xa0\x80",
      "\xf8\x88\x80\x80\x80",
      "\xe2\x82",
      "\x80",
    ];
    const headEnd = split(text).headEnd;
    let out = text;
    for (let n = int(rng, 1, 20); n > 0; n--) {
      // Half inside the headers, where the values end up in text and jsonb columns.
      const at = rng() < 0.5 ? int(rng, 0, headEnd) : int(rng, 0, out.length);
      out = out.slice(0, at) + pick(rng, bad) + out.slice(at);
    }
    return out;
  },

  line_endings(text, rng) {
    const mode = pick(rng, ["\n", "\r", "\r\n", "mixed"]);
    return text.replace(/\r\n|\r|\n/g, () => mode === "mixed" ? pick(rng, ["\n", "\r", "\r\n"]) : mode);
  },

  deep_multipart(text, rng) {
    const m = split(text);
    const isContent = (f: string) => /^content-/i.test(f);
    const inner = m.fields.filter(isContent).join("") || `Content-Type: text/plain${m.eol}`;
    const body = m.rest.replace(/^\r?\n/, "");
    // postal-mime stops at 256 levels; go past that one time in four.
    const depth = rng() < 0.75 ? int(rng, 2, 60) : int(rng, 200, 600);
    const rfc822 = rng() < 0.2;
    const e = m.eol;
    let open = "";
    let close = "";
    for (let i = 0; i < depth - 1; i++) {
      open += rfc822
        ? `--fz${i}${e}Content-Type: message/rfc822${e}${e}From: n${i}@nest.example${e}` +
          `Content-Type: multipart/mixed; boundary="fz${i + 1}"${e}${e}`
        : `--fz${i}${e}Content-Type: multipart/mixed; boundary="fz${i + 1}"${e}${e}`;
      close = `--fz${i}--${e}` + close;
    }
    const closing = rng() < 0.2 ? "" : `--fz${depth - 1}--${e}${close}`;
    m.fields = [
      ...m.fields.filter((f) => !isContent(f)),
      `Content-Type: multipart/mixed; boundary="fz0"${e}`,
    ];
    m.rest = `${e}${open}--fz${depth - 1}${e}${inner}${e}${body}${e}${closing}`;
    return join(m);
  },

  random_charset(text, rng) {
    const name = () =>
      rng() < 0.6
        ? pick(rng, CHARSETS)
        : randomWord(rng, 1, 60, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:+-");
    let out = text.replace(
      /charset\s*=\s*"?[^";\s]*"?/gi,
      (x) => rng() < 0.7 ? (rng() < 0.5 ? `charset="${name()}"` : `charset=${name()}`) : x,
    );
    const m = split(out);
    if (!/charset=/i.test(out)) {
      setField(m, "content-type", `Content-Type: text/plain; charset=${name()}${m.eol}`);
    }
    if (rng() < 0.4) {
      const word = btoa(randomWord(rng, 5, 40, "\x00\x1b\x80\xa4\xc3\xe9\xff$()*BJabc "));
      setField(m, "subject", `Subject: =?${name()}?B?${word}?= tail${m.eol}`);
    }
    out = join(m);
    return out;
  },
};

/** Odd but real labels, ones TextDecoder refuses, and the empty one. */
const CHARSETS = [
  ..."utf-7 unicode-1-1-utf-7 x-unknown iso-2022-jp gb18030 utf-16 utf-16be utf-32 ks_c_5601-1987".split(" "),
  ..."windows-1258 x-mac-roman binary 8bit".split(" "),
  "",
  ..."us-ascii utf8 cp1252 x-user-defined replacement".split(" "),
];

/** A message as header fields (each with its folded lines and line end) and the rest (blank line, body). */
interface Split {
  fields: string[];
  rest: string;
  eol: string;
  headEnd: number;
}

function split(text: string): Split {
  const blank = /\r?\n\r?\n/.exec(text);
  const headEnd = blank ? blank.index + (text[blank.index] === "\r" ? 2 : 1) : text.length;
  const fields: string[] = [];
  for (const line of text.slice(0, headEnd).split(/(?<=\n)/)) {
    if (fields.length > 0 && /^[ \t]/.test(line)) fields[fields.length - 1] += line;
    else if (line) fields.push(line);
  }
  return { fields, rest: text.slice(headEnd), eol: text.includes("\r\n") ? "\r\n" : "\n", headEnd };
}

function join(m: Split): string {
  return m.fields.join("") + m.rest;
}

function fieldName(field: string): string {
  return /^([^:\s]+):/.exec(field)?.[1].toLowerCase() ?? "";
}

/** Replaces the first field named `name` (or, with `add`, inserts one); true when the message has one now. */
function setField(m: Split, name: string, field: string, add = true): boolean {
  const i = m.fields.findIndex((f) => fieldName(f) === name);
  if (i >= 0) m.fields[i] = field;
  else if (add) m.fields.unshift(field);
  return i >= 0 || add;
}

/** Half the time one of the fields that matter most, when the message has it. */
function pickField(fields: string[], rng: Rng): number {
  const important = fields.flatMap((f, i) => IMPORTANT.includes(fieldName(f)) ? [i] : []);
  return important.length > 0 && rng() < 0.5 ? pick(rng, important) : int(rng, 0, fields.length - 1);
}

function int(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)];
}

function randomWord(rng: Rng, min: number, max: number, alphabet = "abcdefghijklmnopqrstuvwxyz"): string {
  let word = "";
  for (let n = int(rng, min, max); n > 0; n--) word += alphabet[Math.floor(rng() * alphabet.length)];
  return word;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Bytes to a byte string (one character per byte; not Latin-1 TextDecoder, which is really windows-1252). */
function toText(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return text;
}

function toBytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}
