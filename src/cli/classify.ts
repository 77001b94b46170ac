/** `classify FILE…` and `eval DIR`: the classification pipeline on files, no database needed. */
import { basename, join } from "node:path";
import { businessOf, createLlm } from "../app.ts";
import { decide, type Decision } from "../classify/decide.ts";
import { type EvalReport, type EvalRow, evaluate, type Label } from "../classify/eval.ts";
import { encodeIntent } from "../classify/intents.ts";
import type { Config } from "../config.ts";
import type { LlmClassifier } from "../classify/llm.ts";
import { parseEmail } from "../mail/parse.ts";
import type { Parser } from "../mail/parse_pool.ts";
import type { Learned } from "../learn/store.ts";
import { sha256Hex } from "../mail/hex.ts";

/** Options of {@linkcode classifyFile}. */
export interface ClassifyFileOptions {
  /** The classifier's model; absent: the configured one (none without OPENAI_API_KEY). */
  llm?: LlmClassifier;
  /** Where the file is parsed (the CLI: a ParsePool, as the daemon); default in-process. */
  parser?: Parser;
  /** What the database has learned (`eval --learned`); never an example of the file's own Message-ID. */
  learned?: Learned;
}

/** Classifies one file as the `classify` job would (the LLM when configured, else offline). */
export async function classifyFile(
  path: string,
  config: Config,
  options: ClassifyFileOptions = {},
): Promise<Decision & { file: string }> {
  // An explicit `llm: undefined` (eval --classifier offline) means no model, not the configured one.
  const llm = "llm" in options ? options.llm : createLlm(config);
  const bytes = await Deno.readFile(path);
  // Without a Message-ID, the one the daemon gives it (parse_job.ts): stored and scored copies then match.
  const generated = options.learned ? `<${sha256Hex(bytes)}@ses-daemon-bot.invalid>` : undefined;
  const mail = await (options.parser ?? parseEmail)(bytes, { transfer: true });
  const decision = await decide({ ...mail, messageId: mail.messageId ?? generated }, {
    learned: options.learned,
    ownAddresses: config.ownAddresses,
    maxChars: config.classifyMaxChars,
    llm,
    business: businessOf(config),
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
  options: {
    classifier: "offline" | "llm";
    onProgress?: (done: number, total: number) => void;
    parser?: Parser;
    learned?: Learned;
  },
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
      batch.map((l) =>
        classifyFile(join(dir, basename(l.file)), config, {
          llm,
          parser: options.parser,
          learned: options.learned,
        })
      ),
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
