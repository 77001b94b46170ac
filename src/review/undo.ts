/**
 * Undoing a correction (`uncorrect ID`, the console's "Undo correction"): the latest correction still
 * standing is retracted (kept, so the audit trail and the page show it, but never learned from again), with
 * any confirmation given after it, and the email gets back the intent it had before: routed again through the
 * same path as a correction (reroute.ts), so what was delivered stays delivered and no second automatic reply
 * is ever sent. Audited as `uncorrect`.
 */
import { encodeIntent, isIntent } from "../classify/intents.ts";
import type { Db } from "../db/client.ts";
import { getEmailDetail, insertAudit, setCorrectedIntent } from "../db/console.ts";
import { lockEmail, type StoredEffect } from "../db/effects.ts";
import { latestCorrection, listEmailLabels, retractLabel } from "../db/labels.ts";
import type { RouteOptions } from "../act/route_job.ts";
import { ActionError } from "./actions.ts";
import { rerouteAfterIntentChange } from "./reroute.ts";

/** What {@linkcode undoCorrection} did. */
export interface UndoResult {
  /** The intent the undone correction had set. */
  undone: string;
  /** The intent the email has again. */
  intent: string;
  /** The retracted labels: the correction, and confirmations given after it. */
  retracted: number[];
  effects: StoredEffect[];
}

/** Undoes the latest correction of an email that still stands. */
export async function undoCorrection(
  db: Db,
  p: { emailId: number; actor: string; note?: string | null; route: RouteOptions },
): Promise<UndoResult> {
  const note = p.note?.trim().slice(0, 2000) || null;
  return await db.transaction(async (tx) => {
    await lockEmail(tx, p.emailId);
    const e = await getEmailDetail(tx, p.emailId, 0);
    if (!e) throw new ActionError(`No email ${p.emailId}`, 404);
    const c = await latestCorrection(tx, p.emailId);
    if (!c) throw new ActionError(`Email ${p.emailId} has no correction to undo`, 409);
    if (c.intent !== e.intent || !isIntent(c.previous_intent)) {
      throw new ActionError(`Email ${p.emailId} is ${e.intent} now, not ${c.intent}: nothing to undo`, 409);
    }
    const later = (await listEmailLabels(tx, p.emailId)).filter((l) => l.id > c.id && !l.retracted_at);
    const retracted: number[] = [];
    for (const id of [c.id, ...later.map((l) => l.id)]) {
      if (await retractLabel(tx, { id, by: p.actor })) retracted.push(id);
    }
    const correction = await setCorrectedIntent(tx, {
      id: p.emailId,
      flags: encodeIntent(c.previous_intent),
      expected: e.intent,
    });
    if (correction === undefined) {
      throw new ActionError(`Email ${p.emailId} changed meanwhile; try again`, 409);
    }
    const { effects, routed } = await rerouteAfterIntentChange(tx, e, correction, p.route);
    await insertAudit(tx, {
      emailId: p.emailId,
      actor: p.actor,
      action: "uncorrect",
      detail: `${c.intent} → ${c.previous_intent}; label ${retracted.join(", ")} retracted; ` +
        (e.routed_at === null ? "not routed yet" : `routed again: ${routed.join(", ") || "nothing to do"}`),
      note,
    });
    return { undone: c.intent, intent: c.previous_intent, retracted, effects };
  });
}
