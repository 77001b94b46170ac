/**
 * Text taken from inbound mail (display names, subjects, body excerpts) on its way into what we send: one line
 * each, bounded, and in replies free of links and addresses, so that a sender cannot make our mail carry their
 * message to someone else. Pure.
 */

/**
 * Line breaks of every kind (CR, LF, VT, FF, NEL U+0085, U+2028, U+2029), other C0/C1 controls, DEL and the
 * bidi overrides and isolates (U+202A-202E, U+2066-2069) that reorder what a reader sees: each run, with the
 * white space around it, becomes one space.
 */
// deno-lint-ignore no-control-regex
const BREAKS = /[\s\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g;

/** `value` with every run of breaks, controls and white space as one space (not trimmed). */
export function flatten(value: string): string {
  return value.replace(BREAKS, " ");
}

/** `value` on one line, trimmed, at most `max` characters (code points; "…" marks a cut). */
export function oneLine(value: string, max: number): string {
  // Only the start can show: a body of megabytes costs no more than its first few hundred characters.
  const line = flatten(value.length > 8 * max + 64 ? value.slice(0, 8 * max + 64) : value).trim();
  const chars = [...line];
  return chars.length <= max ? line : chars.slice(0, max - 1).join("").trimEnd() + "…";
}

/**
 * A word a mail client may turn into a link or a mailto: anything with "@" (or its full-width form), a scheme
 * ("http://", "mailto:"), "www.", or a host name (a letter or digit, a dot, then two or more letters:
 * "evil.example", "bank.com/reset"). Dots include the ideographic and full-width forms that some clients
 * link too. Errs towards removing: "Node.js" in a subject is quoted as "…".
 */
const LINKISH =
  /[@\uff20]|:\/\/|^(?:mailto|tel|sms|data|javascript|file|ftp):|^www\d{0,3}[.\u3002\uff0e\uff61]|[\p{L}\p{N}][.\u3002\uff0e\uff61]\p{L}{2,}/iu;

/**
 * Text from a message quoted back in a reply (the subject): one line, every word that could be a link or an
 * address replaced by "…", then at most `max` characters.
 */
export function inertQuote(value: string, max: number): string {
  const words = oneLine(value.normalize("NFKC"), 4 * max).split(" ");
  const kept = words.map((w) => LINKISH.test(w) ? "…" : w).join(" ").replace(/…(?: …)+/g, "…");
  const chars = [...kept];
  if (chars.length <= max) return kept;
  // Cut between words when one ends in the second half, so no half word is quoted.
  const head = chars.slice(0, max - 1).join("");
  const space = head.lastIndexOf(" ");
  return (space > head.length / 2 ? head.slice(0, space) : head).trimEnd() + "…";
}

/**
 * A display name for a greeting: "" when any word of it could be a link or an address (such a "name" is a
 * message, not a name), else one line of at most `max` characters.
 */
export function inertName(value: string, max: number): string {
  const name = oneLine(value.normalize("NFKC"), 4 * max);
  return name.split(" ").some((w) => LINKISH.test(w)) ? "" : oneLine(name, max);
}

/**
 * Slack's escaping of message text (also read by Mattermost and Rocket.Chat): `&`, `<` and `>` as entities,
 * so `<!channel>` does not ping and `<https://x|label>` does not hide where a link goes.
 */
export function slackEscape(text: string): string {
  return text.replace(/[&<>]/g, (c) => c === "&" ? "&amp;" : c === "<" ? "&lt;" : "&gt;");
}
