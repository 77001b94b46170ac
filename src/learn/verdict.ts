/**
 * When what people taught overrides the lexicon. Nearest neighbours alone score 0.47–0.53 lenient on half the
 * dev corpus taught by the other half (bench/learning.ts: most mail does not recur, and the nearest of a new
 * question is often about something else), against 1.00 for the lexicon there (about 0.85 on held-out mail).
 * So neighbours decide only where they are reliable: a
 * question that recurs almost word for word (a strong match), or a close match where the lexicon is unsure
 * (it found nothing, or its best intent barely beats the next). With no examples, nothing changes.
 */
import type { Intent } from "../classify/intents.ts";
import type { OfflineResult } from "../classify/offline.ts";
import type { Neighbour } from "./neighbours.ts";

/** A match this close is the same question again: people's label wins over the lexicon. */
export const STRONG_SIMILARITY = 0.8;
/** A match this close wins only where the lexicon is unsure. */
export const WEAK_SIMILARITY = 0.6;
/** The lexicon is unsure when its intent beats the next candidate by less than this much evidence. */
const UNSURE_MARGIN = 1;
/** Neighbours within this of the best one vote with it. */
const VOTE_BAND = 0.05;

/** A decision the examples changed. */
export interface LearnedVerdict {
  intent: Intent;
  /** What the lexicon alone decided. */
  without: Intent;
  /** The examples that voted for `intent`. */
  neighbours: Neighbour[];
  /** Why, for the decision's evidence: "learned:label 12 (0.91) speak_to_human". */
  evidence: string[];
}

/** The lexicon's margin: its intent's evidence minus the best other candidate's. */
export function lexiconMargin(offline: OfflineResult): number {
  const candidates = ["speak_to_human", "send_info", "create_account", "unknown"];
  const own = offline.scores[offline.intent] ?? 0;
  const others = candidates.filter((c) => c !== offline.intent).map((c) => offline.scores[c] ?? 0);
  return own - Math.max(...others);
}

/**
 * The intent the examples give `offline`'s email, when they override it; null when the lexicon's decision
 * stands (no close example, a split vote, a sure lexicon, or the examples agree with it).
 */
export function learnedVerdict(
  offline: OfflineResult,
  neighbours: readonly Neighbour[],
): LearnedVerdict | null {
  const top = neighbours[0];
  if (!top || top.similarity < WEAK_SIMILARITY) return null;
  const voters = neighbours.filter((n) => n.similarity >= top.similarity - VOTE_BAND);
  const votes = new Map<Intent, number>();
  for (const n of voters) votes.set(n.example.intent, (votes.get(n.example.intent) ?? 0) + n.similarity);
  const [intent, weight] = [...votes].reduce((a, b) => (b[1] > a[1] ? b : a));
  const total = [...votes.values()].reduce((a, b) => a + b, 0);
  // People disagreed about this question: no lesson to take.
  if (weight < total * 2 / 3) return null;
  const unsure = offline.intent === "unknown" || lexiconMargin(offline) < UNSURE_MARGIN;
  if (top.similarity < STRONG_SIMILARITY && !unsure) return null;
  if (intent === offline.intent) return null;
  const winners = voters.filter((n) => n.example.intent === intent);
  return {
    intent,
    without: offline.intent,
    neighbours: winners,
    evidence: winners.map((n) =>
      `learned:label ${n.example.labelId} (email ${n.example.emailId}, ${n.similarity.toFixed(2)}) ${intent}`
    ),
  };
}
