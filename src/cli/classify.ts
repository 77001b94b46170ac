/** `classify FILE…` and `eval DIR`: the classification pipeline on files, no database needed. */
import { basename, join } from "node:path";
import { createLlm } from "../app.ts";
import { decide, type Decision } from "../classify/decide.ts";
import { type EvalReport, type EvalRow, evaluate, type Label } from "../classify/eval.ts";
import { encodeIntent } from "../classify/intents.ts";
import type { Config } from "../config.ts";
import { parseEmail } from "../mail/parse.ts";

/** Classifies one file as the `classify` job would (the LLM when configured, else offline). */
export async function classifyFile(
  path: string,
  config: Config,
  llm = createLlm(config),
): Promise<Decision & { file: string }> {
  const mail = await parseEmail(await Deno.readFile(path));
  const decision = await decide(mail, {
    ownAddresses: config.ownAddresses,
    maxChars: config.classifyMaxChars,
    llm,
    lastAttempt: true,
  });
  return { file: path, ...decision };
}

/** The `classify` command's line for one file. */
export function classifyLine(d: Decision & { file: string }): string {
  return JSON.stringify({
    file: d.file,
    intent: d.intent,
    intent_flags: encodeIntent(d.intent),
    automated: d.automated,
    auto_reply_ok: d.auto_reply_ok,
    reasons: d.reasons,
    classifier: d.classifier,
    model: d.model,
    prompt_tokens: d.promptTokens,
    completion_tokens: d.completionTokens,
    latency_ms: d.latencyMs,
    note: d.note,
  });
}

/** Scores every labelled `*.eml` of `dir` against `dir/labels.jsonl`. */
export async function evalDir(
  dir: string,
  config: Config,
  options: { classifier: "offline" | "llm"; onProgress?: (done: number, total: number) => void },
): Promise<EvalReport> {
  let labels: Label[];
  try {
    labels = (await Deno.readTextFile(join(dir, "labels.jsonl"))).split("\n").filter((l) => l.trim())
      .map((l) => JSON.parse(l));
  } catch (error) {
    throw new Error(
      `Cannot read ${join(dir, "labels.jsonl")}: ${error instanceof Error ? error.message : error}`,
    );
  }
  const llm = options.classifier === "llm" ? createLlm(config) : undefined;
  const rows: EvalRow[] = [];
  const files = new Set(labels.map((l) => l.file));
  for await (const e of Deno.readDir(dir)) {
    if (e.name.endsWith(".eml") && !files.has(e.name)) {
      throw new Error(`${e.name} has no line in labels.jsonl`);
    }
  }
  // Several at a time: the LLM's latency dominates, and the endpoint takes concurrent requests.
  const concurrency = llm ? 8 : 1;
  for (let i = 0; i < labels.length; i += concurrency) {
    const batch = labels.slice(i, i + concurrency);
    const decided = await Promise.all(
      batch.map((l) => classifyFile(join(dir, basename(l.file)), config, llm)),
    );
    batch.forEach((label, k) => {
      const d = decided[k];
      rows.push({
        label,
        predicted: {
          intent: d.intent,
          automated: d.automated,
          auto_reply_ok: d.auto_reply_ok,
          promptTokens: d.promptTokensEstimate ?? undefined,
        },
      });
    });
    options.onProgress?.(rows.length, labels.length);
  }
  return evaluate(rows);
}
