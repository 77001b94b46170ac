/**
 * Mail text made safe to show: the renderer escapes markup, and this makes the characters that can deceive
 * a reader visible instead of obeyed — bidirectional overrides and isolates (U+202A–202E, U+2066–2069, which
 * turn "gpj.exe" into "exe.jpg") and other invisible controls — and bounds the length.
 */

// Bidi embeddings, overrides and isolates, marks, zero-width characters, the BOM, and C0/C1 controls other
// than tab and newline.
const DECEIVING =
  // deno-lint-ignore no-control-regex -- matching control characters is the point
  /[\u202A-\u202E\u2066-\u2069\u200B-\u200F\u061C\uFEFF\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

/** `text` with deceiving characters shown as ⟨U+XXXX⟩, cut to `max` characters (with an ellipsis). */
export function shown(text: string | null | undefined, max = 500): string {
  const t = (text ?? "").length > max ? (text ?? "").slice(0, max) + "…" : (text ?? "");
  return t.replace(
    DECEIVING,
    (c) => `⟨U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}⟩`,
  );
}

/** A compact age: "3 min", "5 h", "2 d". */
export function age(from: Date, now: Date = new Date()): string {
  const s = Math.max(0, (now.getTime() - from.getTime()) / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86_400)} d`;
}

/** A timestamp as people read it, in UTC. */
export function when(d: Date | null | undefined): string {
  return d ? d.toISOString().slice(0, 16).replace("T", " ") + " UTC" : "";
}
