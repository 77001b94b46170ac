/** `feedback FILE…`: imports saved SES notifications (backfills, tests) exactly as the queue stores them. */
import type { Db } from "../db/client.ts";
import type { SuppressionRules } from "../db/feedback.ts";
import { addSummary, emptySummary, type FeedbackSummary, ingestFeedback } from "../feedback/ingest.ts";
import { splitNotifications } from "../feedback/parse.ts";

/**
 * Reads each file (one notification, an array of them, or JSON lines; SNS envelopes or bare SES JSON) and
 * stores it. Errors name their file. Files that cannot be read throw before anything is stored.
 */
export async function importFeedbackFiles(
  db: Db,
  files: string[],
  rules: SuppressionRules,
): Promise<FeedbackSummary> {
  const texts = await Promise.all(files.map((f) => Deno.readTextFile(f)));
  const total = emptySummary();
  for (const [i, text] of texts.entries()) {
    const split = splitNotifications(text);
    if ("error" in split) {
      total.errors.push(`${files[i]}: ${split.error}`);
      continue;
    }
    for (const value of split.values) {
      const s = await ingestFeedback(db, value, { source: "file", rules });
      s.errors = s.errors.map((e) => `${files[i]}: ${e}`);
      addSummary(total, s);
    }
  }
  return total;
}

/** The one line `feedback` prints. */
export function formatFeedbackSummary(s: FeedbackSummary): string {
  return `feedback: ${s.stored} stored, ${s.repeats} repeats, ${s.suppressed} newly suppressed, ` +
    `${s.ignored} without feedback, ${s.errors.length} not usable`;
}
