/**
 * Nearest labelled examples of an email, by what the classifier reads (the subject and the sender's own text).
 * An email is a set of features: its content words (stop words of the four languages dropped) and its word
 * pairs within a clause. Pairs make word order and small differences count: "can you call me" and "can you
 * send me pricing" share the words "can", "you", "me" but almost no features, while the same question asked
 * again ("Where is my invoice for March?") shares nearly all of them. Similarity is the cosine of the two sets.
 */
import { BOUNDARY, tokenize } from "../classify/text_features.ts";
import type { Intent } from "../classify/intents.ts";

/** A labelled example ready to compare. */
export interface Example {
  labelId: number;
  emailId: number;
  messageId: string;
  sender: string;
  intent: Intent;
  kind: "correction" | "confirmation";
  subject: string;
  /** The sender's own text, as the classifier read it. */
  text: string;
  features: Set<string>;
}

/** An example and how similar it is to the email, in [0, 1]. */
export interface Neighbour {
  example: Example;
  similarity: number;
}

/** Longest text the features are taken from: a recurring question shows in its first few hundred words. */
const MAX_CHARS = 4000;

const STOP_WORDS = new Set(
  ("a an and are as at be but by can could do does for from have hello hi i if in is it me my of on or our " +
    "please so that the this to us was we what when will with would you your thanks thank regards best dear " +
    "team there here just also am get got any some how need it its " +
    "le la les un une des de du et est je j il elle nous vous mon ma mes votre vos pour par sur dans avec " +
    "qui que ce c bonjour merci cordialement " +
    "el los las una unos y es yo mi su por para con en que hola gracias saludos " +
    "der die das ein eine und ist ich mein meine sie wir fur mit zu auf von den dem hallo danke gruss grusse")
    .split(" ").filter(Boolean),
);

/** The features of an email's subject and own text. */
export function featuresOf(subject: string, text: string): Set<string> {
  const tokens = tokenize(`${subject}\n${text.slice(0, MAX_CHARS)}`);
  const features = new Set<string>();
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === BOUNDARY) continue;
    const content = !STOP_WORDS.has(t) && t.length > 1;
    if (content) features.add(t);
    const next = tokens[i + 1];
    // A pair of stop words ("it for", "can you") says nothing about the question.
    if (next !== undefined && next !== BOUNDARY && (content || !STOP_WORDS.has(next))) {
      features.add(`${t} ${next}`);
    }
  }
  return features;
}

/** Cosine similarity of two feature sets (0 when either is empty). */
export function similarity(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let shared = 0;
  for (const f of small) if (large.has(f)) shared++;
  return shared / Math.sqrt(a.size * b.size);
}

/** Options of {@linkcode nearest}. */
export interface NearestOptions {
  /** At most this many, most similar first. */
  k: number;
  /** Only examples at least this similar. */
  minSimilarity: number;
  /** Never an example of this Message-ID (the email itself, when it is being scored or classified again). */
  excludeMessageId?: string | null;
}

/** The `k` examples most similar to `features`. */
export function nearest(
  features: Set<string>,
  examples: readonly Example[],
  options: NearestOptions,
): Neighbour[] {
  const found: Neighbour[] = [];
  for (const example of examples) {
    if (options.excludeMessageId && example.messageId === options.excludeMessageId) continue;
    const s = similarity(features, example.features);
    if (s >= options.minSimilarity) found.push({ example, similarity: s });
  }
  // Ties: the newer label first (a later decision of people wins).
  found.sort((a, b) => b.similarity - a.similarity || b.example.labelId - a.example.labelId);
  return found.slice(0, options.k);
}
