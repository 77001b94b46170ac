/**
 * One message's classification: the rules first (automated? may we reply?), then, for mail a person wrote,
 * the sender's own text through the LLM when one is configured, else (or when it fails for good) through the
 * offline classifier. Shared by the `classify` job and the `classify`/`eval` commands.
 */
import { type AssessableMail, assessMail, type SesVerdicts } from "../mail/automated.ts";
import { ownText } from "../mail/own_text.ts";
import { estimateTokens } from "./eval.ts";
import type { Intent } from "./intents.ts";
import { type Business, systemPrompt, userPrompt } from "./instructions.ts";
import { LlmClassifier, LlmRateLimited, LlmUnavailable } from "./llm.ts";
import { classifyOffline } from "./offline.ts";
import { errorText } from "../log.ts";
import { featuresOf, nearest } from "../learn/neighbours.ts";
import { fromPrompt, fromVerdict, type LearnedFrom } from "../learn/learned_from.ts";
import { promptLearning } from "../learn/prompt.ts";
import type { Learned } from "../learn/store.ts";
import { learnedVerdict, WEAK_SIMILARITY } from "../learn/verdict.ts";

/** Which classifier decided: the rules (automated mail), the model, or the offline classifier. */
export type ClassifierName = "rules" | "llm" | "offline";

/** A complete classification, ready to store. */
export interface Decision {
  intent: Intent;
  automated: boolean;
  auto_reply_ok: boolean;
  reasons: string[];
  classifier: ClassifierName;
  model: string | null;
  latencyMs: number | null;
  promptTokens: number | null;
  completionTokens: number | null;
  /** Estimated prompt tokens of the model request (also for the offline classifier: what it would cost). */
  promptTokensEstimate: number | null;
  /** Why the fallback decided, when it did. */
  note: string | null;
  evidence: string[];
  /** The labelled examples that changed the decision (offline) or that the model was shown; null: none. */
  learnedFrom: LearnedFrom | null;
}

/** What {@linkcode decide} needs of a message. */
export interface DecideInput extends AssessableMail {
  body?: string | null;
  /** Examples with this Message-ID are never used (the email itself, labelled earlier or being scored). */
  messageId?: string | null;
}

/** Options of {@linkcode decide}. */
export interface DecideOptions {
  ownAddresses: readonly string[];
  maxChars: number;
  llm?: LlmClassifier;
  /** Whose mail it is, for the prompt-size estimate without a model (with one: the model's). */
  business?: Business;
  verdicts?: SesVerdicts;
  /**
   * When false, passing LLM failures (429, 5xx, timeouts) are thrown ({@linkcode LlmRateLimited},
   * {@linkcode LlmUnavailable}) so the job can retry later; when true, the offline classifier decides.
   */
  lastAttempt: boolean;
  signal?: AbortSignal;
  /** What people taught (src/learn/): absent or empty, the classifiers decide exactly as without. */
  learned?: Learned;
}

/** Classifies one message. */
export async function decide(mail: DecideInput, options: DecideOptions): Promise<Decision> {
  const disposition = assessMail(mail, { ownAddresses: options.ownAddresses, verdicts: options.verdicts });
  const reasons = [...disposition.reasons];
  let autoReplyOk = disposition.auto_reply_ok;
  if (!mail.sender) {
    autoReplyOk = false;
    reasons.push("sender:missing");
  }
  const base = {
    automated: disposition.automated,
    auto_reply_ok: autoReplyOk,
    reasons,
    model: null,
    latencyMs: null,
    promptTokens: null,
    completionTokens: null,
    note: null,
    evidence: [] as string[],
    learnedFrom: null,
  };
  if (disposition.automated) {
    return { ...base, intent: "unknown", classifier: "rules", promptTokensEstimate: null };
  }
  const text = ownText({ body: mail.body ?? undefined, subject: mail.subject }, {
    maxChars: options.maxChars,
  });
  const input = { subject: mail.subject, text };
  const promptTokensEstimate = estimateTokens(
    systemPrompt("0123456789abcdef", options.llm?.business ?? options.business) +
      userPrompt(input, "0123456789abcdef"),
  );
  let note: string | null = null;
  const examples = options.learned?.examples ?? [];
  if (options.llm) {
    const learned = promptLearning(
      { subject: mail.subject ?? "", text, sender: mail.sender, messageId: mail.messageId },
      examples,
    );
    try {
      const r = await options.llm.classify({ ...input, learned }, options.signal);
      return {
        ...base,
        learnedFrom: learned && fromPrompt(learned),
        intent: r.intent,
        classifier: "llm",
        model: r.model,
        latencyMs: r.latencyMs,
        promptTokens: r.promptTokens,
        completionTokens: r.completionTokens,
        promptTokensEstimate,
      };
    } catch (error) {
      const passing = error instanceof LlmRateLimited || error instanceof LlmUnavailable;
      if (passing && !options.lastAttempt) throw error;
      note = `LLM fallback: ${errorText(error)}`; // cut: a model's invalid output can quote the mail
    }
  }
  const offline = classifyOffline(input);
  const verdict = examples.length === 0 ? null : learnedVerdict(
    offline,
    nearest(featuresOf(input.subject ?? "", text), examples, {
      k: 5,
      minSimilarity: WEAK_SIMILARITY,
      excludeMessageId: mail.messageId,
    }),
  );
  return {
    ...base,
    intent: verdict?.intent ?? offline.intent,
    classifier: "offline",
    promptTokensEstimate,
    note,
    evidence: verdict ? [...offline.evidence, ...verdict.evidence] : offline.evidence,
    learnedFrom: verdict && fromVerdict(verdict),
  };
}
