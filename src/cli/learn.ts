/**
 * The learning commands: `export-labels DIR` (what people labelled, in the eval format, so a deployment can
 * score a classifier on its own mail), `eval DIR --learned` (see classify.ts; the examples come from here)
 * and `uncorrect ID` (undo a correction, as the console's button).
 */
import { join } from "node:path";
import type { RouteOptions } from "../act/route_job.ts";
import type { Db } from "../db/client.ts";
import { listLabelsForExport } from "../db/labels.ts";
import { type Learned, loadLearned } from "../learn/store.ts";
import { ActionError } from "../review/actions.ts";
import { undoCorrection } from "../review/undo.ts";
import type { Label } from "../classify/eval.ts";

/** What {@linkcode exportLabels} wrote. */
export interface ExportSummary {
  written: number;
  /** Labelled emails whose original was too large to keep in the database. */
  skipped: number;
}

/**
 * Writes every labelled email (its latest standing label) to `dir` as `email-<id>.eml` (the original bytes)
 * and one `labels.jsonl` line each: the intent people gave it (acceptable: that one), and the rules' verdict
 * for `automated` and `auto_reply_ok` (people label intents, not those). `dir` must not hold a labels.jsonl.
 */
export async function exportLabels(db: Db, dir: string): Promise<ExportSummary> {
  await Deno.mkdir(dir, { recursive: true });
  const labelsPath = join(dir, "labels.jsonl");
  const existing = await Deno.stat(labelsPath).then(() => true, () => false);
  if (existing) throw new Error(`Cannot export to ${dir}: it has a labels.jsonl already`);
  const out = await Deno.open(labelsPath, { write: true, createNew: true });
  const enc = new TextEncoder();
  let written = 0, skipped = 0, after = 0;
  try {
    for (;;) {
      const page = await listLabelsForExport(db, { afterEmailId: after, limit: 200 });
      if (page.length === 0) break;
      for (const row of page) {
        after = row.email_id;
        if (!row.raw) {
          skipped++;
          continue;
        }
        const file = `email-${row.email_id}.eml`;
        await Deno.writeFile(join(dir, file), row.raw);
        const label: Label = {
          file,
          intent: row.intent,
          acceptable: [row.intent],
          automated: row.automated ?? false,
          auto_reply_ok: row.auto_reply_ok ?? false,
          notes: `${row.kind} (label ${row.id})`,
        };
        await out.write(enc.encode(JSON.stringify(label) + "\n"));
        written++;
      }
    }
  } finally {
    out.close();
  }
  return { written, skipped };
}

/** The examples for `eval --learned`, with how many there are. */
export async function learnedForEval(db: Db, maxChars: number): Promise<Learned> {
  return await loadLearned(db, maxChars);
}

/** `uncorrect ID [--note]`: prints what was undone; 1 when there was nothing to undo. */
export async function uncorrect(
  db: Db,
  p: { emailId: number; actor: string; note?: string; route: RouteOptions },
): Promise<number> {
  try {
    const r = await undoCorrection(db, p);
    const routed = r.effects.map((f) => `${f.purpose} (${f.state}${f.reason ? `: ${f.reason}` : ""})`);
    console.log(
      `email ${p.emailId}: ${r.undone} → ${r.intent} (correction undone; label ${r.retracted.join(", ")} ` +
        `retracted); routed: ${routed.join(", ") || "nothing to do"}`,
    );
    return 0;
  } catch (error) {
    if (!(error instanceof ActionError)) throw error;
    console.error(`uncorrect: ${error.message}`);
    return 1;
  }
}
