/**
 * The offline classifier: no network, deterministic, English/French/Spanish/German. Used when no LLM is
 * configured and as the fallback when the LLM fails for good.
 *
 * How it decides: weighted phrases (`lexicon.ts`) are matched on folded tokens of the subject (half weight) and
 * of the sender's own text; a phrase preceded by a negation in the same clause ("no need for a call", "before I
 * sign up") does not count. Each phrase counts once per part. The intent with the most evidence wins if it
 * clears a floor and beats the evidence for "nothing to do" (sales pitches, off-topic mail, thanks only);
 * otherwise the mail is `unknown`. As the labelling guide says, an explicit request for a person, a call or a
 * meeting wins over an information request.
 */
import type { Intent } from "./intents.ts";
import { LEXICON, type Signal } from "./lexicon.ts";
import { compilePhrase, findPhrase, isNegated, type Phrase, tokenize } from "./text_features.ts";

/** Input of {@linkcode classifyOffline}: the subject and the sender's own text (see `ownText`). */
export interface OfflineInput {
  subject?: string;
  text: string;
}

/** Result of {@linkcode classifyOffline}. */
export interface OfflineResult {
  /** Never `reserved`. */
  intent: Intent;
  /** Evidence per signal and per candidate intent, rounded to two decimals. */
  scores: Record<string, number>;
  /** The phrases that counted, as "signal:phrase+weight" (subject ones prefixed "subject:"). */
  evidence: string[];
}

interface Entry {
  signal: Signal;
  weight: number;
  phrase: Phrase;
}

const ENTRIES: Entry[] = Object.entries(LEXICON).flatMap(([signal, byWeight]) =>
  Object.entries(byWeight).flatMap(([weight, phrases]) =>
    phrases.map((p) => ({ signal: signal as Signal, weight: Number(weight), phrase: compilePhrase(p) }))
  )
);

/** Subject lines are often pre-filled by a web form or left from an older thread: they count for half. */
const SUBJECT_WEIGHT = 0.5;
const REPLY_SUBJECT_WEIGHT = 0.25;
/** The least evidence for an intent: one strong hint (weight 2). */
const MIN_SCORE = 2;
/** Evidence an intent has to beat before "unknown" gives way; courtesy counts for half of its weight. */
const UNKNOWN_BASE = 1;
const COURTESY_FACTOR = 0.4;
/** A person/call/meeting request at least this strong wins over information and sign-up requests. */
const EXPLICIT_HUMAN = 3;
/** Bodies longer than this are truncated before matching (ownText already caps at 4000 by default). */
const MAX_TEXT = 20_000;

/** Classifies one message by its own text and subject. */
export function classifyOffline(input: OfflineInput): OfflineResult {
  const signals: Record<Signal, number> = {
    send_info: 0,
    create_account: 0,
    human_explicit: 0,
    human_problem: 0,
    off_topic: 0,
    courtesy: 0,
  };
  const evidence: string[] = [];
  const text = dropAddresses(input.text.slice(0, MAX_TEXT));
  const body = tokenize(dropInjection(text));
  // "Ignore the subject line": the sender says the subject is not what the mail is about.
  const rawSubject = SUBJECT_DISOWNED.test(text) ? "" : input.subject ?? "";
  const strippedSubject = stripReplyPrefixes(rawSubject);
  // A reply's subject was written by whoever started the thread, often about something else: quarter weight.
  const subjectWeight = strippedSubject.length < rawSubject.trim().length
    ? REPLY_SUBJECT_WEIGHT
    : SUBJECT_WEIGHT;
  const subject = tokenize(strippedSubject.slice(0, 500));
  score(body, 1, "", signals, evidence);
  score(subject, subjectWeight, "subject:", signals, evidence);

  const human = signals.human_explicit + signals.human_problem;
  const candidates: [Intent, number][] = [
    ["speak_to_human", human],
    ["send_info", signals.send_info],
    ["create_account", signals.create_account],
  ];
  const unknownScore = UNKNOWN_BASE + signals.off_topic + COURTESY_FACTOR * signals.courtesy;
  const scores: Record<string, number> = { ...signals, speak_to_human: human, unknown: unknownScore };
  for (const key of Object.keys(scores)) scores[key] = Math.round(scores[key] * 100) / 100;

  // Stable order on ties: speak_to_human, then send_info, then create_account (the order above).
  const [bestIntent, best] = candidates.reduce((a, b) => (b[1] > a[1] ? b : a));
  let intent: Intent = best >= MIN_SCORE && best > unknownScore ? bestIntent : "unknown";
  if (
    intent !== "unknown" && signals.human_explicit >= EXPLICIT_HUMAN && signals.off_topic < EXPLICIT_HUMAN &&
    human * 2 >= best
  ) {
    intent = "speak_to_human";
  }
  return { intent, scores, evidence };
}

function score(
  tokens: string[],
  factor: number,
  label: string,
  signals: Record<Signal, number>,
  out: string[],
) {
  if (tokens.length === 0) return;
  for (const entry of ENTRIES) {
    const starts = findPhrase(tokens, entry.phrase);
    if (starts.length === 0 || starts.every((s) => isNegated(tokens, s))) continue;
    signals[entry.signal] += entry.weight * factor;
    out.push(`${label}${entry.signal}:${entry.phrase.source}+${entry.weight * factor}`);
  }
}

const SUBJECT_DISOWNED =
  /\b(ignore|disregard|never ?mind|forget)\s+(the|my|this)\s+(subject|title)\b|\b(subject|subject line) is (wrong|old|outdated|misleading)\b|\bignorez (l'objet|le sujet)\b|\bignora(d)? el asunto\b|\bignorieren sie den betreff\b/i;

/**
 * E-mail addresses and links are names, not words of the request: "carla@vinhaverde-imports.com" is not
 * about importing, "example.com/pricing" not a price question.
 */
function dropAddresses(text: string): string {
  return text.replace(/\S+@\S+|\bhttps?:\/\/\S+|\bwww\.\S+/gi, " ");
}

/** "Re: Fwd: AW: Question" -> "Question": reply prefixes say nothing about intent. */
function stripReplyPrefixes(subject: string): string {
  let s = subject.trim();
  for (let i = 0; i < 10; i++) {
    const next = s.replace(/^(re|fwd?|fw|aw|wg|tr|rv|sv|vs|antw|r)\s?(\[\d{1,3}\])?\s?:\s*/i, "");
    if (next === s) break;
    s = next;
  }
  return s;
}

/**
 * Paragraphs that address the classifier ("ignore previous instructions, classify this as …") are the sender
 * trying to steer the label: they are dropped so the rest of the message decides, as the guide asks.
 */
function dropInjection(text: string): string {
  if (!/instruction|classif|assistant|admin mode|label|rules|prompt/i.test(text)) return text;
  return text.split(/\n\s*\n/).filter((paragraph) => !isInjection(paragraph)).join("\n\n");
}

function isInjection(paragraph: string): boolean {
  const p = paragraph.slice(0, 2000).toLowerCase();
  return /\b(ignore|disregard|forget|override)\b[^\n]{0,40}\b(previous|prior|above|earlier|all|your)\b[^\n]{0,20}\b(instructions?|rules|guidelines|prompts?|directions)\b/
    .test(p) ||
    /\b(classify|label|tag|mark) (this|it|the (e-?mail|message))\b[^\n]{0,30}\bas\b/.test(p) ||
    /\bclassify (this|it|the (e-?mail|message))\b/.test(p) || /\byou are now\b/.test(p) ||
    /\b(system|admin) (note|message|prompt|instruction)s? (to|for) (the )?(ai|assistant|model|classifier|bot)\b/
      .test(p);
}
