/**
 * Scoring of classifier and rule decisions against a labelled corpus (`labels.jsonl`, spec in
 * `../shared/corpus/README.md`). Pure: the caller parses, classifies and hands over rows.
 */
import { INTENTS } from "./intents.ts";

/** One line of `labels.jsonl`. */
export interface Label {
  file: string;
  intent: string;
  acceptable: string[];
  automated: boolean;
  auto_reply_ok: boolean;
  lang?: string;
  notes?: string;
}

/** What the pipeline decided for one message. */
export interface Prediction {
  intent: string;
  automated: boolean;
  auto_reply_ok: boolean;
  /** Estimated prompt size when the message would go to the model. */
  promptTokens?: number;
}

/** A labelled message with its prediction. */
export interface EvalRow {
  label: Label;
  predicted: Prediction;
}

/** A message whose predicted intent is not acceptable. */
export interface Miss {
  file: string;
  expected: string;
  acceptable: string[];
  predicted: string;
}

/** The figures of one evaluation run. Ratios are in [0, 1]; null when there was nothing to measure. */
export interface EvalReport {
  total: number;
  /** Predicted intent equals the label's `intent`, over mail labelled `automated: false`. */
  intent_strict: number | null;
  /** Predicted intent is in the label's `acceptable`, over mail labelled `automated: false`. */
  intent_lenient: number | null;
  automated_precision: number | null;
  automated_recall: number | null;
  auto_reply_ok_accuracy: number | null;
  /** Labelled `auto_reply_ok: false` but predicted true: the mistakes that send mail we must not send. */
  unsafe_auto_reply: number;
  /** Median of `promptTokens` over mail predicted not automated (the mail that would go to the model). */
  median_prompt_tokens: number | null;
  /** Label intent -> predicted intent -> count, over mail labelled `automated: false`. */
  confusion: Record<string, Record<string, number>>;
  misses: Miss[];
}

/** Prompt size estimate: about four characters per token for English-like text (OpenAI's rule of thumb). */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Scores the rows. */
export function evaluate(rows: readonly EvalRow[]): EvalReport {
  const human = rows.filter((r) => !r.label.automated);
  const strict = human.filter((r) => r.predicted.intent === r.label.intent).length;
  const lenient = human.filter((r) => r.label.acceptable.includes(r.predicted.intent)).length;
  const predictedAuto = rows.filter((r) => r.predicted.automated);
  const labelledAuto = rows.filter((r) => r.label.automated);
  const bothAuto = rows.filter((r) => r.predicted.automated && r.label.automated).length;
  const replyAgree = rows.filter((r) => r.predicted.auto_reply_ok === r.label.auto_reply_ok).length;
  const unsafe = rows.filter((r) => !r.label.auto_reply_ok && r.predicted.auto_reply_ok).length;
  const tokens = rows.filter((r) => !r.predicted.automated && r.predicted.promptTokens !== undefined)
    .map((r) => r.predicted.promptTokens!);

  const confusion: Record<string, Record<string, number>> = {};
  for (const r of human) {
    const row = confusion[r.label.intent] ??= {};
    row[r.predicted.intent] = (row[r.predicted.intent] ?? 0) + 1;
  }
  return {
    total: rows.length,
    intent_strict: ratio(strict, human.length),
    intent_lenient: ratio(lenient, human.length),
    automated_precision: ratio(bothAuto, predictedAuto.length),
    automated_recall: ratio(bothAuto, labelledAuto.length),
    auto_reply_ok_accuracy: ratio(replyAgree, rows.length),
    unsafe_auto_reply: unsafe,
    median_prompt_tokens: median(tokens),
    confusion,
    misses: human.filter((r) => !r.label.acceptable.includes(r.predicted.intent)).map((r) => ({
      file: r.label.file,
      expected: r.label.intent,
      acceptable: r.label.acceptable,
      predicted: r.predicted.intent,
    })),
  };
}

function ratio(n: number, of: number): number | null {
  return of === 0 ? null : n / of;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The report as text for a person: figures, the confusion matrix and the misses. */
export function formatEvalReport(report: EvalReport): string {
  const pct = (v: number | null) => v === null ? "n/a" : `${(v * 100).toFixed(1)}%`;
  const figures: [string, string][] = [
    ["messages", String(report.total)],
    ["intent strict (human mail)", pct(report.intent_strict)],
    ["intent lenient (human mail)", pct(report.intent_lenient)],
    ["automated precision", pct(report.automated_precision)],
    ["automated recall", pct(report.automated_recall)],
    ["auto_reply_ok agreement", pct(report.auto_reply_ok_accuracy)],
    ["unsafe auto replies", String(report.unsafe_auto_reply)],
    [
      "median prompt tokens (est.)",
      report.median_prompt_tokens === null ? "n/a" : String(report.median_prompt_tokens),
    ],
  ];
  const width = Math.max(...figures.map(([k]) => k.length));
  const lines = figures.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
  lines.push(
    "",
    "confusion (rows: label, columns: predicted; human mail)",
    ...confusionTable(report.confusion),
  );
  lines.push("", report.misses.length === 0 ? "misses: none" : `misses (${report.misses.length}):`);
  for (const m of report.misses) {
    lines.push(
      `  ${m.file}: expected ${m.expected} (acceptable ${m.acceptable.join(", ")}), got ${m.predicted}`,
    );
  }
  return lines.join("\n");
}

function confusionTable(confusion: Record<string, Record<string, number>>): string[] {
  const seen = new Set([
    ...Object.keys(confusion),
    ...Object.values(confusion).flatMap((r) => Object.keys(r)),
  ]);
  // Intents in one-hot order first, then anything unexpected a classifier produced, so nothing is hidden.
  const labels = [
    ...INTENTS.filter((i) => seen.has(i)),
    ...[...seen].filter((s) => !INTENTS.includes(s as never)),
  ];
  const first = Math.max(5, ...labels.map((l) => l.length));
  const cols = labels.map((l) => Math.max(l.length, 3));
  const header = "".padEnd(first) + labels.map((l, i) => "  " + l.padStart(cols[i])).join("");
  const rows = labels.filter((l) => confusion[l]).map((row) =>
    row.padEnd(first) +
    labels.map((col, i) => "  " + String(confusion[row][col] ?? 0).padStart(cols[i])).join("")
  );
  return [header, ...rows];
}
