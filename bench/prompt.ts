/**
 * Prompt size: the estimated tokens of the request the classifier sends (system prompt and the sender's own
 * text, src/classify/decide.ts) against the same request carrying the whole parsed body, over the corpus mail
 * that would go to the model (automated mail is decided by the rules and never sent).
 */
import { decide } from "../src/classify/decide.ts";
import { estimateTokens } from "../src/classify/eval.ts";
import { systemPrompt, userPrompt } from "../src/classify/instructions.ts";
import { loadConfig } from "../src/config.ts";
import { parseEmail } from "../src/mail/parse.ts";
import { CORPUS_DIR } from "../tests/helpers/corpus.ts";

/** Medians of the estimated prompt tokens per message. */
export interface PromptResult {
  messages: number;
  median_prompt_tokens: number;
  median_full_body_tokens: number;
  /** The long tail, where quoted threads and signatures are cut: 90th percentile and total. */
  p90_prompt_tokens: number;
  p90_full_body_tokens: number;
  total_prompt_tokens: number;
  total_full_body_tokens: number;
}

// decide() estimates with this placeholder nonce; the real one has the same length.
const NONCE = "0123456789abcdef";

/** Measures every `*.eml` of the dev corpus. */
export async function benchPrompt(): Promise<PromptResult> {
  const config = loadConfig(() => undefined);
  const ours: number[] = [];
  const full: number[] = [];
  const names = [...Deno.readDirSync(CORPUS_DIR)].map((e) => e.name).filter((n) => n.endsWith(".eml"));
  for (const name of names.sort()) {
    const parsed = await parseEmail(await Deno.readFile(`${CORPUS_DIR}/${name}`));
    const d = await decide(parsed, {
      ownAddresses: config.ownAddresses,
      maxChars: config.classifyMaxChars,
      lastAttempt: true,
    });
    if (d.promptTokensEstimate === null) continue; // automated: never sent to the model
    ours.push(d.promptTokensEstimate);
    const input = { subject: parsed.subject, text: parsed.body ?? "" };
    full.push(estimateTokens(systemPrompt(NONCE) + userPrompt(input, NONCE)));
  }
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  return {
    messages: ours.length,
    median_prompt_tokens: quantile(ours, 0.5),
    median_full_body_tokens: quantile(full, 0.5),
    p90_prompt_tokens: quantile(ours, 0.9),
    p90_full_body_tokens: quantile(full, 0.9),
    total_prompt_tokens: sum(ours),
    total_full_body_tokens: sum(full),
  };
}

/** Linear interpolation between the closest ranks (the median of an even count is the mean of the two). */
function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return Math.round(sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo));
}
