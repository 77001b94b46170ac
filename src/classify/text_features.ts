/**
 * Tokenising and phrase matching for the offline classifier. Text is folded (lower case, no accents, ß -> ss,
 * œ -> oe) and cut into word tokens, with a "." token at every sentence or clause boundary so that phrases and
 * negations never reach across one. Phrases are written as stems with wildcards, which stands in for a stemmer in
 * four languages (and needs no language detection):
 *
 * - `pric*` matches a token by prefix ("price", "pricing", "prices");
 * - `cancel|annul*` matches either alternative;
 * - `~` skips up to three tokens ("create ~ account" matches "create an account", "create a team account").
 */

/** The boundary token between sentences and clauses. */
export const BOUNDARY = ".";

/** Folds text for matching: lower case, accents and ligatures removed, "n't" joined ("can't" -> "cant"). */
export function foldText(text: string): string {
  return text.toLowerCase().replace(/ß/g, "ss").replace(/œ/g, "oe").replace(/æ/g, "ae").normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "").replace(/[\u2018\u2019\u02bc`´]/g, "'").replace(/n't\b/g, "nt");
}

/** Word tokens of `text`, with {@linkcode BOUNDARY} at ".", "!", "?", ";", ":", ",", "(", ")" and line breaks. */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  // One pass over the folded text; no regular expression runs over it as a whole.
  const folded = foldText(text);
  let word = "";
  const flush = () => {
    if (word) tokens.push(word);
    word = "";
  };
  for (const c of folded) {
    if ((c >= "a" && c <= "z") || (c >= "0" && c <= "9")) {
      word += c;
    } else {
      flush();
      if (".!?;:,()\n¿¡".includes(c) && tokens.length > 0 && tokens[tokens.length - 1] !== BOUNDARY) {
        tokens.push(BOUNDARY);
      }
    }
  }
  flush();
  return tokens;
}

type Step = { gap: true } | { gap: false; alternatives: string[]; prefixes: string[] };

/** A compiled phrase. */
export interface Phrase {
  source: string;
  steps: Step[];
}

/** Compiles a phrase written in the syntax of this module's header. */
export function compilePhrase(source: string): Phrase {
  const steps: Step[] = source.trim().split(/\s+/).map((part): Step => {
    if (part === "~") return { gap: true };
    const alternatives: string[] = [];
    const prefixes: string[] = [];
    for (const alt of part.split("|")) {
      const folded = foldText(alt).replace(/'/g, " ").trim();
      if (folded.endsWith("*")) prefixes.push(folded.slice(0, -1));
      else alternatives.push(folded);
    }
    return { gap: false, alternatives, prefixes };
  });
  return { source, steps };
}

const MAX_GAP = 3;

function tokenMatches(step: Step, token: string): boolean {
  if (step.gap || token === BOUNDARY) return false;
  return step.alternatives.includes(token) || step.prefixes.some((p) => token.startsWith(p));
}

/** Index of the token just past a match of `steps[s..]` starting at `t`, or -1. Gaps never cross a boundary. */
function matchAt(tokens: string[], steps: Step[], s: number, t: number): number {
  if (s === steps.length) return t;
  const step = steps[s];
  if (step.gap) {
    for (let skip = 0; skip <= MAX_GAP && t + skip <= tokens.length; skip++) {
      if (skip > 0 && tokens[t + skip - 1] === BOUNDARY) break;
      const end = matchAt(tokens, steps, s + 1, t + skip);
      if (end >= 0) return end;
    }
    return -1;
  }
  if (t >= tokens.length || !tokenMatches(step, tokens[t])) return -1;
  return matchAt(tokens, steps, s + 1, t + 1);
}

/** Start indexes of every match of `phrase` in `tokens`. */
export function findPhrase(tokens: string[], phrase: Phrase): number[] {
  const starts: number[] = [];
  const first = phrase.steps[0];
  for (let t = 0; t < tokens.length; t++) {
    if (first && !first.gap && !tokenMatches(first, tokens[t])) continue;
    if (matchAt(tokens, phrase.steps, 0, t) >= 0) starts.push(t);
  }
  return starts;
}

/** Words that negate what follows them in the same clause, in the four languages. */
const NEGATORS = new Set([
  "not",
  "no",
  "never",
  "dont",
  "doesnt",
  "didnt",
  "isnt",
  "arent",
  "wasnt",
  "wont",
  "without",
  "before",
  "already",
  "nor",
  "pas",
  "jamais",
  "sans",
  "avant",
  "ni",
  "nicht",
  "kein",
  "keine",
  "keinen",
  "nie",
  "ohne",
  "bevor",
  "sin",
  "nunca",
  "antes",
  "cant",
  "cannot",
  "couldnt",
  "unable",
  "nobody",
  "nothing",
  "ne",
  "n",
]);
const NEGATION_WINDOW = 3;

/** True when a negator stands within three tokens before `start`, in the same clause. */
export function isNegated(tokens: string[], start: number): boolean {
  for (let k = start - 1; k >= 0 && k >= start - NEGATION_WINDOW; k--) {
    if (tokens[k] === BOUNDARY) return false;
    if (NEGATORS.has(tokens[k])) return true;
  }
  return false;
}
