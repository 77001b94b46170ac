/**
 * What a person does to an email, from the console or the CLI (the same functions, so the two cannot drift
 * apart): correct its intent (routed again), mark its hand-off handled, release a withheld reply, retry a
 * failed effect, requeue a failed job. Each runs in one transaction with its audit row; corrections and
 * confirmations are also kept as labelled examples.
 */
import { userInfo } from "node:os";
import { DELIVER_JOB, type RouteOptions } from "../act/route_job.ts";
import { encodeIntent, type Intent, isIntent } from "../classify/intents.ts";
import type { Db } from "../db/client.ts";
import {
  getEmailDetail,
  insertAudit,
  insertLabel,
  listEmailJobs,
  markEmailHandled,
  releaseWithheldReply,
  setCorrectedIntent,
} from "../db/console.ts";
import { getEffect, lockEmail, markEmailProcessedIfDone, retryFailedEffects } from "../db/effects.ts";
import { requeueEffectJobs, requeueJobs } from "../db/jobs.ts";
import { rerouteAfterIntentChange } from "./reroute.ts";

/** An action that cannot be done, and why; `status` is what the console answers with. */
export class ActionError extends Error {
  constructor(message: string, readonly status: 400 | 404 | 409) {
    super(message);
    this.name = "ActionError";
  }
}

/** Who acts from the command line: `cli:<os user>`. */
export function cliActor(): string {
  let name = "unknown";
  try {
    name = userInfo().username;
  } catch { /* no passwd entry (containers): still an audit row */ }
  return `cli:${name}`;
}

/** Notes are kept, bounded: an audit row is no place for a pasted email. */
const MAX_NOTE_CHARS = 2000;

function cleanNote(note: string | undefined | null): string | null {
  const n = note?.trim().slice(0, MAX_NOTE_CHARS);
  return n ? n : null;
}

/** What {@linkcode correctIntent} did. */
export interface CorrectResult {
  previous: string;
  intent: string;
  /** False when the email already had that intent (a confirmation). */
  changed: boolean;
  /** The effects routed for the new intent (purpose, state, reason). */
  effects: { purpose: string; state: string; reason: string | null }[];
}

/**
 * Sets an email's intent as a person corrected it and routes it again for that intent (see reroute.ts): what
 * was delivered stays, and no second automatic reply is ever sent. The same intent is a confirmation.
 */
export async function correctIntent(
  db: Db,
  p: { emailId: number; intent: string; actor: string; note?: string | null; route: RouteOptions },
): Promise<CorrectResult> {
  if (!isIntent(p.intent)) {
    throw new ActionError(
      `"${p.intent}" is not an intent (send_info, create_account, unknown, speak_to_human)`,
      400,
    );
  }
  const intent: Intent = p.intent;
  const note = cleanNote(p.note);
  return await db.transaction(async (tx) => {
    await lockEmail(tx, p.emailId);
    const e = await getEmailDetail(tx, p.emailId, 0);
    if (!e) throw new ActionError(`No email ${p.emailId}`, 404);
    if (!e.classified_at) {
      throw new ActionError(`Email ${p.emailId} is not classified yet; correct it once it is`, 409);
    }
    const label = { emailId: p.emailId, intent, previousIntent: e.intent, actor: p.actor, note };
    if (e.intent === intent) {
      await insertLabel(tx, { ...label, kind: "confirmation" });
      await insertAudit(tx, { emailId: p.emailId, actor: p.actor, action: "confirm", detail: intent, note });
      return { previous: e.intent, intent, changed: false, effects: [] };
    }
    const correction = await setCorrectedIntent(tx, {
      id: p.emailId,
      flags: encodeIntent(intent),
      expected: e.intent,
    });
    if (correction === undefined) {
      throw new ActionError(`Email ${p.emailId} changed meanwhile; try again`, 409);
    }
    await insertLabel(tx, { ...label, kind: "correction" });
    const { effects, routed } = await rerouteAfterIntentChange(tx, e, correction, p.route);
    await insertAudit(tx, {
      emailId: p.emailId,
      actor: p.actor,
      action: "correct",
      detail: `${e.intent} → ${intent}; ` +
        (e.routed_at === null
          ? "not routed yet: routed once for the new intent"
          : `routed again: ${routed.join(", ") || "nothing to do"}`),
      note,
    });
    return { previous: e.intent, intent, changed: true, effects };
  });
}

/**
 * Marks an email's hand-off handled: it leaves "Needs a person". Without an earlier correction, this confirms
 * its intent (a labelled example). Returns false when it was handled already (nothing is recorded again).
 */
export async function markHandled(
  db: Db,
  p: { emailId: number; actor: string; note?: string | null },
): Promise<boolean> {
  const note = cleanNote(p.note);
  return await db.transaction(async (tx) => {
    await lockEmail(tx, p.emailId);
    const e = await getEmailDetail(tx, p.emailId, 0);
    if (!e) throw new ActionError(`No email ${p.emailId}`, 404);
    if (!await markEmailHandled(tx, { id: p.emailId, by: p.actor })) return false;
    if (e.corrections === 0 && e.classified_at) {
      await insertLabel(tx, {
        emailId: p.emailId,
        intent: e.intent,
        previousIntent: e.intent,
        kind: "confirmation",
        actor: p.actor,
        note,
      });
    }
    await insertAudit(tx, { emailId: p.emailId, actor: p.actor, action: "handled", detail: "", note });
    return true;
  });
}

/**
 * Releases a withheld automatic reply: it is delivered after all, unless the email has another reply
 * (delivered, pending or failed): never two automatic replies to one email.
 */
export async function releaseReply(
  db: Db,
  p: { effectId: number; actor: string; note?: string | null; jobMaxAttempts: number },
): Promise<{ emailId: number }> {
  const note = cleanNote(p.note);
  const effect = await getEffect(db, p.effectId);
  if (!effect) throw new ActionError(`No effect ${p.effectId}`, 404);
  return await db.transaction(async (tx) => {
    await lockEmail(tx, effect.email_id);
    const released = await releaseWithheldReply(tx, {
      effectId: p.effectId,
      deliver: { kind: DELIVER_JOB, maxAttempts: p.jobMaxAttempts },
    });
    if (!released) {
      throw new ActionError(
        `Effect ${p.effectId} cannot be released: it is not a withheld reply, or email ${effect.email_id} ` +
          "already has another automatic reply",
        409,
      );
    }
    await markEmailProcessedIfDone(tx, effect.email_id);
    await insertAudit(tx, {
      emailId: effect.email_id,
      actor: p.actor,
      action: "release",
      detail: `effect ${p.effectId} (${released.purpose})`,
      note,
    });
    return { emailId: effect.email_id };
  });
}

/** Returns a failed effect to the outbox and runs its deliver job again (as `effects retry`). */
export async function retryEffect(
  db: Db,
  p: { effectId: number; actor: string; note?: string | null },
): Promise<{ emailId: number }> {
  const note = cleanNote(p.note);
  const effect = await getEffect(db, p.effectId);
  if (!effect) throw new ActionError(`No effect ${p.effectId}`, 404);
  return await db.transaction(async (tx) => {
    await lockEmail(tx, effect.email_id);
    const ids = await retryFailedEffects(tx, { ids: [p.effectId], all: false });
    if (ids.length === 0) throw new ActionError(`Effect ${p.effectId} has not failed`, 409);
    // As `effects retry`: a runnable deliver job whatever state the old one was in, or nothing changes.
    const jobs = await requeueEffectJobs(tx, { effectIds: ids, kind: DELIVER_JOB, maxAttempts: 5 });
    if (jobs.length !== ids.length) throw new Error(`Cannot retry effect ${p.effectId}: no delivery queued`);
    await markEmailProcessedIfDone(tx, effect.email_id);
    await insertAudit(tx, {
      emailId: effect.email_id,
      actor: p.actor,
      action: "retry",
      detail: `effect ${p.effectId} (${effect.purpose})`,
      note,
    });
    return { emailId: effect.email_id };
  });
}

/** Gives a failed job of an email a fresh set of attempts (as `requeue`). */
export async function requeueJob(
  db: Db,
  p: { jobId: number; emailId: number; actor: string; note?: string | null },
): Promise<void> {
  const note = cleanNote(p.note);
  const e = await getEmailDetail(db, p.emailId, 0);
  if (!e) throw new ActionError(`No email ${p.emailId}`, 404);
  if (!(await listEmailJobs(db, p.emailId, e.raw_id)).some((j) => j.id === p.jobId)) {
    throw new ActionError(`Job ${p.jobId} is not a job of email ${p.emailId}`, 404);
  }
  await db.transaction(async (tx) => {
    const jobs = await requeueJobs(tx, { ids: [p.jobId], all: false });
    if (jobs.length === 0) throw new ActionError(`Job ${p.jobId} has not failed`, 409);
    await insertAudit(tx, {
      emailId: p.emailId,
      actor: p.actor,
      action: "requeue",
      detail: `job ${p.jobId} (${jobs[0].kind})`,
      note,
    });
  });
}
