/**
 * The sender's own new text: what a classifier should read. Drops quoted history, signatures and legal
 * disclaimers in English, French, Spanish and German, keeps forwarded messages (someone forwarding a colleague's
 * question to us means that question), and caps the length.
 *
 * Linear time on any input: the text is walked line by line, and every pattern looks only at the first
 * {@linkcode HEAD} characters of a line through anchored regular expressions without nested quantifiers, so a
 * 5 MB line costs one split and one slice.
 */
import { htmlToText } from "./html_text.ts";

/** Options of {@linkcode ownText}. */
export interface OwnTextOptions {
  /** Longest result in characters (default 4000, about 1000 tokens). */
  maxChars?: number;
}

/** The fields of a parsed message that {@linkcode ownText} reads. */
export interface OwnTextInput {
  body?: string;
  html?: string;
  bodyFromHtml?: boolean;
  /** "Fwd:"/"TR:"/"WG:"/"RV:" subjects turn Outlook header blocks into forward separators. */
  subject?: string;
}

/** Characters of a line that the patterns look at. */
const HEAD = 200;
const DEFAULT_MAX_CHARS = 4000;

/** Returns the sender's own text of a message, at most `maxChars` long. */
export function ownText(mail: OwnTextInput, options: OwnTextOptions = {}): string {
  const maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
  const text = mail.body?.trim() ? mail.body : mail.html ? htmlToText(mail.html) : "";
  const forwarded = /^\s*(fwd?|fw|tr|wg|rv|enc)\s*:/i.test((mail.subject ?? "").slice(0, 20));
  const kept = selectLines(text.split("\n"), forwarded, maxChars);
  return cap(tidy(kept), maxChars);
}

type Mode = "keep" | "skip" | "headers";

/**
 * Walks the lines once. "keep" collects text; a quote header stops everything (the rest is history); a
 * signature or disclaimer switches to "skip" until a forwarded message starts; a forward marker switches to
 * "headers", which drops the forwarded message's header block and then keeps its body.
 */
function selectLines(lines: string[], forwarded: boolean, maxChars: number): string[] {
  const kept: string[] = [];
  let size = 0;
  let mode: Mode = "keep";
  let content = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, "");
    const head = fold(line.slice(0, HEAD)).trim();
    if (head.startsWith(">")) continue;
    if (isForwardMarker(head) || (forwarded && (isOriginalMarker(head) || isHeaderBlock(lines, i)))) {
      mode = "headers";
      continue;
    }
    if (mode === "headers") {
      if (head === "" || HEADER_LINE.test(head)) continue;
      mode = "keep";
    }
    if (isOriginalMarker(head) || isAttribution(lines, i, head) || isHeaderBlock(lines, i)) break;
    if (mode === "skip") continue;
    if (isSignatureStart(head) || isDisclaimer(head) || (content > 0 && isSignOff(head))) {
      mode = "skip";
      continue;
    }
    kept.push(line);
    if (head !== "") content++;
    size += line.length + 1;
    // Later lines can only be appended, so nothing past the budget can change the result.
    if (size > maxChars) break;
  }
  return kept;
}

/** Lower case without accents (ß as ss), typographic apostrophes as "'", no-break spaces as spaces. */
function fold(text: string): string {
  return text.replace(/ß/g, "ss").normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(
    /[\u2018\u2019]/g,
    "'",
  )
    .replace(/\u00a0/g, " ").toLowerCase();
}

/** "-----Original Message-----" and its translations, with any run of dashes or underscores around it. */
function isOriginalMarker(head: string): boolean {
  return /^[-_=*\s]{0,20}(original message|message d'origine|mensaje original|ursprungliche nachricht|messaggio originale)\b/
    .test(head);
}

function isForwardMarker(head: string): boolean {
  return /^[-_=*\s]{0,20}(forwarded message|begin forwarded message|message transfere|mensaje reenviado|weitergeleitete nachricht|messaggio inoltrato)\b/
    .test(head);
}

/** "On … wrote:", "Le … a écrit :", "El … escribió:", "Am … schrieb …:", also wrapped onto a second line. */
function isAttribution(lines: string[], i: number, head: string): boolean {
  if (!/^(on|le|el|am|il|op)\s/.test(head)) return false;
  const tail = (s: string) => fold(s.slice(-HEAD)).trim();
  if (ATTRIBUTION_END.test(tail(lines[i]))) return true;
  // Clients wrap long attributions: "On Tue, 19 May 2026 at 14:05, Name <a@b>\nwrote:".
  const next = lines[i + 1];
  return next !== undefined && next.length < HEAD && line2Attribution(tail(next)) && lines[i].length < 400;
}

const ATTRIBUTION_END = /(wrote|a ecrit|escribio|schrieb[^:]{0,80}|ha scritto|schreef[^:]{0,80})\s?:$/;

function line2Attribution(tail: string): boolean {
  return ATTRIBUTION_END.test(tail);
}

/** A header line of a quoted or forwarded message in one of the four languages (or Italian/Dutch). */
const HEADER_LINE =
  /^(from|sent|date|to|cc|subject|de|envoye|a|objet|date d'envoi|enviado|para|asunto|fecha|von|gesendet|an|betreff|datum|da|inviato|oggetto|van|verzonden|aan|onderwerp)\s?:/;
const FROM_LINE = /^\*?(from|de|von|da|van)\s?:\*?\s/;

/**
 * An Outlook-style block: a "From:" line (or a long underscore rule) followed within four lines by at least two
 * more header lines, so a sentence starting with "From:" in the text is not one.
 */
function isHeaderBlock(lines: string[], i: number): boolean {
  const head = fold(lines[i].slice(0, HEAD)).trim();
  let start = i;
  if (/^_{10,}$/.test(head)) start = i + 1;
  else if (!FROM_LINE.test(head)) return false;
  if (!FROM_LINE.test(fold((lines[start] ?? "").slice(0, HEAD)).trim())) return false;
  let headers = 0;
  for (let k = start + 1; k <= start + 4 && k < lines.length; k++) {
    if (HEADER_LINE.test(fold(lines[k].slice(0, HEAD)).trim().replace(/^\*/, ""))) headers++;
  }
  return headers >= 2;
}

/** "-- " (RFC 3676), and the mobile client taglines, which end the written text. */
function isSignatureStart(head: string): boolean {
  return head === "--" || head === "__" ||
    /^(sent from my|sent from (mail|outlook|yahoo)|sent via|get outlook for|envoye de mon|envoye depuis|enviado desde|von meinem .{0,40}gesendet|gesendet von)/
      .test(head);
}

/** Complimentary closes on a line of their own, optionally followed by a comma and a first name. */
const SIGN_OFF =
  /^(thanks|thank you|thanks a lot|thanks so much|many thanks|thanks again|cheers|best|best regards|best wishes|kind regards|warm regards|regards|all the best|sincerely|yours sincerely|yours faithfully|yours truly|with thanks|with kind regards|thanking you|ta|cordialement|bien cordialement|bien a vous|salutations|merci|merci beaucoup|merci d'avance|bonne journee|a bientot|saludos|un saludo|saludos cordiales|atentamente|gracias|muchas gracias|un abrazo|mit freundlichen grussen|freundliche grusse|viele grusse|beste grusse|liebe grusse|gruss|grusse|danke|vielen dank)[\s,.!]*(\s[a-z][\w.'-]{0,30})?[\s,.!]*$/;

function isSignOff(head: string): boolean {
  return head.length <= 60 && SIGN_OFF.test(head);
}

/** The first line of a legal disclaimer or confidentiality notice. */
const DISCLAIMER =
  /^(\*{0,2}confidential|confidentiality|disclaimer|privileged|legal notice|this (e-?mail|message|communication|transmission)\b.{0,60}\b(confidential|intended|privileged|attachment)|the (information|content)s? (in|of|contained in) this (e-?mail|message)|if you (are not|have received this)|please consider the environment|fraud warning|avis de confidentialite|avertissement|ce (message|courriel|mail|e-mail)\b.{0,60}\b(confidenti|destin|pieces jointes)|les informations contenues|le present (message|courriel)|aviso (legal|de confidencialidad)|este (mensaje|correo)\b.{0,60}\b(confidencial|destinatario|adjunto)|la informacion contenida|diese (e-?mail|nachricht)\b.{0,60}\b(vertraulich|empfanger|informationen)|vertraulichkeitshinweis|haftungsausschluss)/;

function isDisclaimer(head: string): boolean {
  return DISCLAIMER.test(head);
}

/** Drops trailing blank lines and collapses runs of blank lines; trims each line's end. */
function tidy(lines: string[]): string {
  const out: string[] = [];
  for (const raw of lines) {
    const line = raw.trimEnd();
    if (line === "" && (out.length === 0 || out[out.length - 1] === "")) continue;
    out.push(line);
  }
  while (out.length > 0 && out[out.length - 1] === "") out.pop();
  return out.join("\n");
}

/** Cuts at the last whitespace before `maxChars` when there is one nearby, so no word is split. */
function cap(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const cut = text.slice(0, maxChars);
  const space = cut.search(/\s\S*$/);
  return (space > maxChars * 0.8 ? cut.slice(0, space) : cut).trimEnd();
}
