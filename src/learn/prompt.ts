/**
 * What the LLM is shown of what people taught: the few labelled examples most similar to the email (each
 * clipped), and what people decided for earlier mail of the same sender (InboxZero's "history" hints), within a
 * token budget so that a deployment with 5,000 labels sends prompts no larger than one with five.
 */
import { estimateTokens } from "../classify/eval.ts";
import type { Intent } from "../classify/intents.ts";
import { type Example, featuresOf, nearest } from "./neighbours.ts";

/** At most this many examples… */
export const MAX_PROMPT_EXAMPLES = 4;
/** …each cut to this many characters of its text… */
export const EXAMPLE_CHARS = 400;
/** …and this many sender hints… */
export const MAX_SENDER_HINTS = 5;
/** …all within this many estimated tokens. */
export const PROMPT_BUDGET_TOKENS = 600;
/** An example less similar than this teaches the model nothing about this email. */
const MIN_PROMPT_SIMILARITY = 0.15;

/** One example as the prompt shows it. */
export interface PromptExample {
  labelId: number;
  emailId: number;
  intent: Intent;
  subject: string;
  text: string;
  similarity: number;
}

/** One earlier decision about the sender. */
export interface SenderHint {
  labelId: number;
  emailId: number;
  intent: Intent;
  subject: string;
}

/** The learned part of a prompt. */
export interface PromptLearning {
  examples: PromptExample[];
  hints: SenderHint[];
}

function clip(s: string, n: number): string {
  return s.length <= n ? s : s.slice(0, n - 1) + "…";
}

/** The examples and hints for an email, never one with its own Message-ID; null when there are none. */
export function promptLearning(
  mail: { subject: string; text: string; sender?: string | null; messageId?: string | null },
  examples: readonly Example[],
): PromptLearning | null {
  if (examples.length === 0) return null;
  const near = nearest(featuresOf(mail.subject, mail.text), examples, {
    k: MAX_PROMPT_EXAMPLES,
    minSimilarity: MIN_PROMPT_SIMILARITY,
    excludeMessageId: mail.messageId,
  });
  const sender = mail.sender?.toLowerCase();
  const hints: SenderHint[] = !sender ? [] : examples
    .filter((e) => e.sender.toLowerCase() === sender && e.messageId !== mail.messageId)
    .slice(0, MAX_SENDER_HINTS)
    .map((e) => ({ labelId: e.labelId, emailId: e.emailId, intent: e.intent, subject: clip(e.subject, 80) }));
  let budget = PROMPT_BUDGET_TOKENS - hints.reduce((n, h) => n + estimateTokens(h.subject) + 8, 0);
  const chosen: PromptExample[] = [];
  for (const n of near) {
    const e = n.example;
    const example = {
      labelId: e.labelId,
      emailId: e.emailId,
      intent: e.intent,
      subject: clip(e.subject, 120),
      text: clip(e.text, EXAMPLE_CHARS),
      similarity: Math.round(n.similarity * 100) / 100,
    };
    // Subject, text and the markers around them.
    const cost = estimateTokens(example.subject + example.text) + 20;
    if (cost > budget) break;
    budget -= cost;
    chosen.push(example);
  }
  if (chosen.length === 0 && hints.length === 0) return null;
  return { examples: chosen, hints };
}
