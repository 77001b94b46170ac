/**
 * What an email's classification took from labelled examples (stored in `emails.learned_from`, shown on its
 * page): the neighbours that changed the offline classifier's decision, or the examples and sender hints the
 * model was shown.
 */
import type { Intent } from "../classify/intents.ts";
import type { PromptLearning } from "./prompt.ts";
import type { LearnedVerdict } from "./verdict.ts";

/** One example that was used. */
export interface UsedLabel {
  id: number;
  email_id: number;
  intent: Intent;
  /** Similarity to the email; absent for a sender hint. */
  similarity?: number;
  /** "hint" for an earlier decision about the same sender. */
  role?: "hint";
}

/** The value of `emails.learned_from`. */
export interface LearnedFrom {
  how: "neighbours" | "prompt";
  /** What the lexicon alone decided (neighbours only). */
  without?: Intent;
  labels: UsedLabel[];
}

/** The record of neighbours that changed a decision. */
export function fromVerdict(v: LearnedVerdict): LearnedFrom {
  return {
    how: "neighbours",
    without: v.without,
    labels: v.neighbours.map((n) => ({
      id: n.example.labelId,
      email_id: n.example.emailId,
      intent: n.example.intent,
      similarity: Math.round(n.similarity * 100) / 100,
    })),
  };
}

/** The record of what the model was shown. */
export function fromPrompt(p: PromptLearning): LearnedFrom {
  return {
    how: "prompt",
    labels: [
      ...p.examples.map((e) => ({
        id: e.labelId,
        email_id: e.emailId,
        intent: e.intent,
        similarity: e.similarity,
      })),
      ...p.hints.map((h) => ({
        id: h.labelId,
        email_id: h.emailId,
        intent: h.intent,
        role: "hint" as const,
      })),
    ],
  };
}
