/**
 * A folder's search and filters, from the page's query string: `q` (words of the sender's address or domain,
 * the subject or the sender's own text, all of them), `from`
 * (an address, a prefix of one, or a domain), `intent`, `classifier`, `since` and `until` (dates, UTC,
 * both inclusive), and `cursor` (keyset pages). Bad values become messages for the page, never a 500.
 */
import { INTENTS } from "../classify/intents.ts";

/** The classifiers an email can have been decided by. */
export const CLASSIFIERS = ["rules", "llm", "offline"] as const;
/** The longest search text or From filter kept. */
export const MAX_FILTER_CHARS = 200;

/** The filters as the page shows them again (the form's values). */
export interface FilterForm {
  q: string;
  from: string;
  intent: string;
  classifier: string;
  since: string;
  until: string;
}

/** The filters as the list queries take them ($2..$10; null: no filter). */
export interface FolderFilters {
  /** Words for websearch_to_tsquery over the sender's address and domain, the subject and the own text. */
  text: string | null;
  /** The From filter: a LIKE prefix pattern of the address, or a domain (never both). */
  fromPrefix: string | null;
  fromDomain: string | null;
  intent: string | null;
  classifier: string | null;
  since: Date | null;
  /** Exclusive: the day after `until`. */
  before: Date | null;
}

/** What {@linkcode parseFilters} found. */
export interface ParsedFilters {
  form: FilterForm;
  filters: FolderFilters;
  cursor: number | null;
  /** What is wrong, for the page; empty when all is well. */
  errors: string[];
  /** Any filter set (not the cursor). */
  active: boolean;
}

/** Escapes LIKE's `%`, `_` and `\` so that `text` is matched literally. */
function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The From filter, lowercased: `@example.com` or `example.com` is a domain; anything with an `@`
 * (`anna@example.com`, `anna@exa`) or without a dot (`anna`) a prefix of the address (an exact address is
 * its own prefix). One or the other, each served by its own index (0012_console_search.sql), never a scan.
 */
export function senderMatch(value: string): { prefix: string | null; domain: string | null } {
  const v = value.trim().toLowerCase();
  if (v === "" || /\s/.test(v)) return { prefix: null, domain: null };
  if (v.startsWith("@")) return { prefix: null, domain: v.slice(1) || null };
  if (!v.includes("@") && v.includes(".")) return { prefix: null, domain: v };
  return { prefix: likeEscape(v) + "%", domain: null };
}

function day(text: string, name: string, errors: string[]): Date | null {
  if (text === "") return null;
  const d = /^\d{4}-\d{2}-\d{2}$/.test(text) ? new Date(`${text}T00:00:00Z`) : null;
  if (!d || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== text) {
    errors.push(`"${name}" must be a date like 2026-11-25, not "${text.slice(0, 40)}".`);
    return null;
  }
  return d;
}

/** Reads and checks a folder page's query string. */
export function parseFilters(params: URLSearchParams): ParsedFilters {
  const get = (name: string) => (params.get(name) ?? "").trim();
  const errors: string[] = [];
  const form: FilterForm = {
    q: get("q").slice(0, MAX_FILTER_CHARS),
    from: get("from").slice(0, MAX_FILTER_CHARS),
    intent: get("intent"),
    classifier: get("classifier"),
    since: get("since"),
    until: get("until"),
  };
  if (form.from && /\s/.test(form.from)) {
    errors.push(`"From" is one address, prefix or domain, without spaces.`);
  }
  if (form.intent && !(INTENTS as readonly string[]).includes(form.intent)) {
    errors.push(`"Intent" must be one of ${INTENTS.join(", ")}, not "${form.intent.slice(0, 40)}".`);
  }
  if (form.classifier && !(CLASSIFIERS as readonly string[]).includes(form.classifier)) {
    errors.push(
      `"Classifier" must be one of ${CLASSIFIERS.join(", ")}, not "${form.classifier.slice(0, 40)}".`,
    );
  }
  const since = day(form.since, "Since", errors);
  const until = day(form.until, "Until", errors);
  if (since && until && since > until) errors.push(`"Since" is after "Until": nothing can match.`);
  const cursorText = get("cursor");
  let cursor: number | null = null;
  if (cursorText) {
    if (/^\d{1,9}$/.test(cursorText)) cursor = Number(cursorText);
    else errors.push(`"cursor" must be an email id; open the folder again from its first page.`);
  }
  const from = senderMatch(form.from);
  return {
    form,
    cursor,
    errors,
    active: Object.values(form).some((v) => v !== ""),
    filters: {
      text: form.q || null,
      fromPrefix: from.prefix,
      fromDomain: from.domain,
      intent: form.intent || null,
      classifier: form.classifier || null,
      since,
      before: until ? new Date(until.getTime() + 86_400_000) : null,
    },
  };
}

/** The query string of a page with these filters (and a cursor), for links. */
export function filterQuery(form: FilterForm, cursor?: number): string {
  const entries = Object.entries(form).filter(([, v]) => v !== "");
  if (cursor !== undefined) entries.push(["cursor", String(cursor)]);
  return new URLSearchParams(entries).toString();
}
