/**
 * Routing again after a person corrected an email's intent: the intent's handler and the reply policy, as the
 * route job runs them, with two differences. The new effects' purposes end in `.c<N>` (the correction's
 * number), so their idempotency keys (`email:<id>:<purpose>`) never collide with what was stored before and
 * every correction is routed exactly once. And no second automatic reply: when the email already has a reply
 * delivered, pending or failed (a failed one can be retried), the new reply is stored suppressed, with that
 * reason. What was delivered stays delivered.
 */
import { type Effect, plan, type Suppressed } from "../act/plan.ts";
import { conversationOf, DELIVER_JOB, routable, type RouteOptions } from "../act/route_job.ts";
import type { Queryable } from "../db/client.ts";
import { type EmailEffect, listEmailEffects } from "../db/console.ts";
import { getSuppression } from "../db/feedback.ts";
import { normaliseAddress } from "../feedback/parse.ts";
import {
  getEmailForRoute,
  markEmailProcessedIfDone,
  type PlannedEffect,
  type StoredEffect,
  storeRoute,
} from "../db/effects.ts";

/** Why a corrected email gets no new automatic reply. */
export const SECOND_REPLY_REASON =
  "a correction never sends a second automatic reply: this email already has one (delivered, pending or failed)";

/**
 * After a person changed an email's intent (a correction, or its undo): routes it again when it was routed at
 * all, settles it, and describes the new effects for the audit line. Call inside that transaction.
 */
export async function rerouteAfterIntentChange(
  tx: Queryable,
  e: {
    id: number;
    routed_at: unknown;
    conversation_id: number | null;
    thread_parent_id: number | null;
    thread_link: string | null;
  },
  correction: number,
  options: RouteOptions,
): Promise<{ effects: StoredEffect[]; routed: string[] }> {
  const effects = e.routed_at === null ? [] : await rerouteCorrected(tx, {
    emailId: e.id,
    correction,
    thread: { conversationId: e.conversation_id, parentId: e.thread_parent_id, link: e.thread_link },
    existing: await listEmailEffects(tx, e.id),
    options,
  });
  await markEmailProcessedIfDone(tx, e.id);
  return {
    effects,
    routed: effects.map((f) => `${f.purpose} (${f.state}${f.reason ? `: ${f.reason}` : ""})`),
  };
}

/** The effects of a re-routing, with their new purposes; call inside the transaction that set the intent. */
export async function rerouteCorrected(
  tx: Queryable,
  p: {
    emailId: number;
    correction: number;
    thread: { conversationId: number | null; parentId: number | null; link: string | null };
    existing: EmailEffect[];
    options: RouteOptions;
  },
): Promise<StoredEffect[]> {
  const e = await getEmailForRoute(tx, p.emailId);
  if (!e) throw new Error(`Cannot route email ${p.emailId} again: no such email`);
  const suppression = await getSuppression(tx, normaliseAddress(e.reply_to || e.sender));
  const decided = plan({ ...routable(e, await conversationOf(tx, p.thread)), suppression }, p.options);
  const replied = p.existing.some((f) => f.kind === "reply" && f.state !== "suppressed");
  const suffix = `.c${p.correction}`;
  const effects: PlannedEffect[] = [
    ...decided.suppressed.map((x) => suppressedReply(x, suffix)),
    ...decided.effects.map((x): PlannedEffect =>
      x.kind === "reply" && replied
        ? suppressedReply({ purpose: x.purpose, reason: SECOND_REPLY_REASON, payload: x.payload }, suffix)
        : {
          ...renamed(x, suffix),
          reason: null,
          windowRecipient: x.kind === "reply" ? x.payload.to[0] ?? null : null,
        }
    ),
  ];
  return await storeRoute(tx, {
    emailId: p.emailId,
    effects,
    windowMs: p.options.autoReplyWindowMs,
    windowReason: "an automatic reply went to this sender within AUTO_REPLY_WINDOW",
    deliver: { kind: DELIVER_JOB, maxAttempts: p.options.jobMaxAttempts },
  });
}

function suppressedReply(x: Suppressed, suffix: string): PlannedEffect {
  const r = renamed({ kind: "reply", purpose: x.purpose, payload: x.payload }, suffix);
  return { ...r, reason: x.reason, windowRecipient: null };
}

/** The effect under its new purpose; a message's Message-ID names its purpose, so it changes with it. */
function renamed<E extends Effect>(effect: E, suffix: string): E {
  const purpose = effect.purpose + suffix;
  if (effect.kind === "webhook") return { ...effect, purpose };
  const payload = effect.payload as { message_id: string };
  return {
    ...effect,
    purpose,
    payload: { ...payload, message_id: payload.message_id.replace(`.${effect.purpose}@`, `.${purpose}@`) },
  };
}
