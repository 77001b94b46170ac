/**
 * The review actions on a selection of emails (the console's folder lists): each email goes through the same
 * function as its own page and the CLI (actions.ts), so each is audited on its own, and one that cannot be
 * done does not stop the others.
 */
import type { RouteOptions } from "../act/route_job.ts";
import type { Db } from "../db/client.ts";
import { getEmailDetail, listEmailEffects, listEmailJobs } from "../db/console.ts";
import { ActionError, markHandled, releaseReply, requeueJob, retryEffect } from "./actions.ts";

/** What can be done to a selection. */
export const BULK_ACTIONS = ["handled", "release", "requeue", "retry"] as const;
/** One of {@linkcode BULK_ACTIONS}. */
export type BulkAction = typeof BULK_ACTIONS[number];
/** The most emails one bulk action takes (a folder page shows 50). */
export const MAX_BULK_IDS = 200;

/** What happened to one email. */
export interface BulkResult {
  emailId: number;
  ok: boolean;
  message: string;
}

/**
 * Does `action` to each email: handled marks it handled; release releases its withheld reply; retry
 * retries its failed effects; requeue requeues its failed jobs.
 */
export async function bulkAction(
  db: Db,
  p: {
    action: BulkAction;
    emailIds: number[];
    actor: string;
    note?: string | null;
    route: Pick<RouteOptions, "jobMaxAttempts">;
  },
): Promise<BulkResult[]> {
  if (p.emailIds.length > MAX_BULK_IDS) {
    throw new ActionError(
      `Select at most ${MAX_BULK_IDS} emails at once (${p.emailIds.length} selected)`,
      400,
    );
  }
  const results: BulkResult[] = [];
  for (const emailId of [...new Set(p.emailIds)]) {
    try {
      results.push({ emailId, ok: true, message: await one(db, p, emailId) });
    } catch (error) {
      if (!(error instanceof ActionError)) throw error;
      results.push({ emailId, ok: false, message: error.message });
    }
  }
  return results;
}

async function one(
  db: Db,
  p: { action: BulkAction; actor: string; note?: string | null; route: Pick<RouteOptions, "jobMaxAttempts"> },
  emailId: number,
): Promise<string> {
  const base = { actor: p.actor, note: p.note };
  if (p.action === "handled") {
    return await markHandled(db, { emailId, ...base }) ? "marked handled" : "was handled already";
  }
  if (p.action === "requeue") {
    const e = await getEmailDetail(db, emailId, 0);
    if (!e) throw new ActionError(`No email ${emailId}`, 404);
    const failed = (await listEmailJobs(db, emailId, e.raw_id)).filter((j) => j.state === "failed");
    if (failed.length === 0) throw new ActionError("no failed job", 409);
    for (const j of failed) await requeueJob(db, { emailId, jobId: j.id, ...base });
    return `requeued ${failed.map((j) => `job ${j.id} (${j.kind})`).join(", ")}`;
  }
  const effects = await listEmailEffects(db, emailId);
  const chosen = p.action === "release"
    // One reply per email: the first withheld one (releasing a second would be refused).
    ? effects.filter((f) => f.kind === "reply" && f.state === "suppressed").slice(0, 1)
    : effects.filter((f) => f.state === "failed");
  if (chosen.length === 0) {
    throw new ActionError(p.action === "release" ? "no withheld reply" : "no failed effect", 409);
  }
  for (const f of chosen) {
    if (p.action === "release") {
      await releaseReply(db, { effectId: f.id, ...base, jobMaxAttempts: p.route.jobMaxAttempts });
    } else {
      await retryEffect(db, { effectId: f.id, ...base });
    }
  }
  return `${p.action === "release" ? "released" : "retrying"} ${
    chosen.map((f) => `effect ${f.id} (${f.purpose})`).join(", ")
  }`;
}
