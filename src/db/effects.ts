/** Typed wrappers of `sql/queries/effects/*.sql` and the routing queries of `emails`. */
import { fromBase64 } from "./base64.ts";
import type { Queryable } from "./client.ts";
import type { NextJob } from "./jobs.ts";
import storeRouteSql from "../../sql/queries/effects/store_route.sql" with { type: "text" };
import getEffectSql from "../../sql/queries/effects/get_effect.sql" with { type: "text" };
import markEffectDeliveredSql from "../../sql/queries/effects/mark_effect_delivered.sql" with {
  type: "text",
};
import recordEffectFailureSql from "../../sql/queries/effects/record_effect_failure.sql" with {
  type: "text",
};
import releaseFallbackSql from "../../sql/queries/effects/release_fallback.sql" with { type: "text" };
import retryFailedEffectsSql from "../../sql/queries/effects/retry_failed_effects.sql" with { type: "text" };
import markEffectSendingSql from "../../sql/queries/effects/mark_effect_sending.sql" with { type: "text" };
import markEffectAmbiguousSql from "../../sql/queries/effects/mark_effect_ambiguous.sql" with {
  type: "text",
};
import suppressReplySql from "../../sql/queries/effects/suppress_reply.sql" with { type: "text" };
import listEffectsSql from "../../sql/queries/effects/list_effects.sql" with { type: "text" };
import countEffectsSql from "../../sql/queries/effects/count_effects.sql" with { type: "text" };
import reserveSendSlotSql from "../../sql/queries/effects/reserve_send_slot.sql" with { type: "text" };
import getEmailForRouteSql from "../../sql/queries/emails/get_email_for_route.sql" with { type: "text" };
import markEmailProcessedIfDoneSql from "../../sql/queries/emails/mark_email_processed_if_done.sql" with {
  type: "text",
};
import lockEmailSql from "../../sql/queries/emails/lock_email.sql" with { type: "text" };
import getRawBytesSql from "../../sql/queries/raw_messages/get_raw_bytes.sql" with { type: "text" };

/** Effect states, as the table's CHECK allows. */
export type EffectState = "pending" | "delivered" | "failed" | "suppressed";

/** One effect routing decided. */
export interface PlannedEffect {
  kind: "reply" | "forward" | "webhook";
  purpose: string;
  payload: unknown;
  /** Why the policy withheld it, or null when it may go. */
  reason: string | null;
  /** A reply that may go: its recipient, whose reply window it must take first (else null). */
  windowRecipient: string | null;
  /** Stored only when a reply of the same plan ends withheld (a hand-off instead of the reply). */
  fallback?: boolean;
}

/** An effect {@linkcode storeRoute} stored. */
export interface StoredEffect {
  purpose: string;
  state: "pending" | "suppressed";
  reason: string | null;
}

/**
 * Stores a routing decision in one statement: the effects (a reply whose recipient's window is taken is
 * suppressed with `windowReason`, and the fallbacks stored then), a `deliver` job per pending effect, and the
 * email routed. Returns the effects stored (none when the email was routed before). Settle the email with
 * {@linkcode markEmailProcessedIfDone} next, in the same transaction.
 */
export async function storeRoute(
  q: Queryable,
  p: {
    emailId: number;
    effects: PlannedEffect[];
    windowMs: number;
    windowReason: string;
    deliver: NextJob;
    closedReason?: string | null;
  },
): Promise<StoredEffect[]> {
  const { rows } = await q.query<StoredEffect>(storeRouteSql, [
    p.emailId,
    p.effects.map((e) => e.kind),
    p.effects.map((e) => e.purpose),
    p.effects.map((e) => JSON.stringify(e.payload)),
    p.effects.map((e) => e.reason),
    p.effects.map((e) => e.windowRecipient),
    p.windowMs,
    p.windowReason,
    p.deliver.kind,
    p.deliver.maxAttempts,
    // As text: postgres.js 3.4.9 cannot send a boolean[] parameter ("cannot cast type boolean to boolean[]").
    p.effects.map((e) => String(e.fallback === true)),
    p.closedReason ?? null,
  ]);
  return rows;
}

/** A stored effect. */
export interface EffectRow {
  id: number;
  email_id: number;
  kind: "reply" | "forward" | "webhook";
  purpose: string;
  idempotency_key: string;
  payload: Record<string, unknown>;
  state: EffectState;
  attempts: number;
  /** The run sending it now (or cut off while sending); null when no send is under way. */
  sending_token: string | null;
  /** Milliseconds until the send slot it holds, by the database's clock (negative once passed), or null. */
  slot_wait_ms: number | null;
}

/** Reads an effect. */
export async function getEffect(q: Queryable, id: number): Promise<EffectRow | undefined> {
  return (await q.query<EffectRow>(getEffectSql, [id])).rows[0];
}

/**
 * Marks an effect as being sent by the run with `token`, fenced by the deliver job's claim; false when the
 * claim no longer holds the job, the effect is not pending, or another run marked it (less than
 * `takeoverAfterMs` ago; null: however long ago).
 */
export async function markEffectSending(
  q: Queryable,
  p: {
    effectId: number;
    token: string;
    job: { id: number; attempts: number };
    workerId: string;
    takeoverAfterMs: number | null;
  },
): Promise<boolean> {
  return (await q.query(markEffectSendingSql, [
    p.effectId,
    p.token,
    p.job.id,
    p.workerId,
    p.job.attempts,
    p.takeoverAfterMs,
  ])).count === 1;
}

/**
 * Marks an effect delivered by the run with `token`, with the id the transport gave the message (SES
 * MessageId); false when that run no longer holds it.
 */
export async function markEffectDelivered(
  q: Queryable,
  p: { id: number; token: string; sesMessageId?: string | null },
): Promise<boolean> {
  return (await q.query(markEffectDeliveredSql, [p.id, p.token, p.sesMessageId ?? null])).count === 1;
}

/** Withholds a pending reply right before sending (its recipient is suppressed); false when `token` lost it. */
export async function suppressReply(
  q: Queryable,
  p: { id: number; reason: string; token: string },
): Promise<boolean> {
  return (await q.query(suppressReplySql, [p.id, p.reason, p.token])).count === 1;
}

/** Counts a failed attempt of the run with `token` (nothing was sent); `final` fails the effect for good. */
export async function recordEffectFailure(
  q: Queryable,
  p: { id: number; error: string; final: boolean; token: string },
): Promise<void> {
  await q.query(recordEffectFailureSql, [p.id, p.error, p.final, p.token]);
}

/**
 * Fails an effect whose send may have happened (`error` starts with "ambiguous:"); never retried by itself.
 * `token` is the sending mark found on it. False when the mark changed meanwhile.
 */
export async function markEffectAmbiguous(
  q: Queryable,
  p: { id: number; error: string; token: string },
): Promise<boolean> {
  return (await q.query(markEffectAmbiguousSql, [p.id, p.error, p.token])).count === 1;
}

/**
 * After a reply failed for good: stores the hand-off it stood for, with its deliver jobs (`deliver` names
 * their kind); returns the purposes stored (none when it had no fallback, or they exist already).
 */
export async function releaseFallback(
  q: Queryable,
  p: { effectId: number; deliver: NextJob },
): Promise<string[]> {
  const { rows } = await q.query<{ purpose: string }>(releaseFallbackSql, [
    p.effectId,
    p.deliver.kind,
    p.deliver.maxAttempts,
  ]);
  return rows.map((r) => r.purpose);
}

/** Returns failed effects to pending: all, or those in `ids`. */
export async function retryFailedEffects(
  q: Queryable,
  p: { ids: number[]; all: boolean },
): Promise<number[]> {
  return (await q.query<{ id: number }>(retryFailedEffectsSql, [p.ids, p.all])).rows.map((r) => r.id);
}

/** An effect as `effects` lists it. */
export interface EffectListRow {
  id: number;
  email_id: number;
  kind: string;
  purpose: string;
  state: EffectState;
  attempts: number;
  last_error: string | null;
  updated_at: Date;
  sender: string;
  subject: string | null;
}

/** Lists effects in a state, newest first. */
export async function listEffects(
  q: Queryable,
  p: { state: EffectState; limit: number },
): Promise<EffectListRow[]> {
  return (await q.query<EffectListRow>(listEffectsSql, [p.state, p.limit])).rows;
}

/** Counts effects by kind and state. */
export async function countEffects(
  q: Queryable,
): Promise<{ kind: string; state: EffectState; count: number }[]> {
  return (await q.query<{ kind: string; state: EffectState; count: number }>(countEffectsSql)).rows;
}

/**
 * Reserves the next slot of the global send rate for an effect and records it there; returns how many ms to
 * wait for it (undefined when the effect no longer exists: no slot is taken).
 */
export async function reserveSendSlot(
  q: Queryable,
  p: { effectId: number; spacingMs: number },
): Promise<number | undefined> {
  return (await q.query<{ wait_ms: number }>(reserveSendSlotSql, [p.spacingMs, p.effectId])).rows[0]?.wait_ms;
}

/** What routing reads of an email. */
export interface EmailForRoute {
  id: number;
  message_id: string;
  message_id_generated: boolean;
  sender: string;
  sender_name: string | null;
  reply_to: string | null;
  subject: string | null;
  body: string | null;
  in_reply_to: string | null;
  references: string | null;
  intent: string;
  automated: boolean | null;
  auto_reply_ok: boolean | null;
  rule_reasons: string[];
  classified_at: Date | null;
  routed_at: Date | null;
  received_at: Date;
  raw_id: number;
}

/** Reads an email for routing. */
export async function getEmailForRoute(q: Queryable, id: number): Promise<EmailForRoute | undefined> {
  return (await q.query<EmailForRoute>(getEmailForRouteSql, [id])).rows[0];
}

/**
 * Settles a routed email: stores its disposition and reason, and marks it processed when none of its effects
 * is pending and the disposition is not pending.
 */
export async function markEmailProcessedIfDone(q: Queryable, id: number): Promise<void> {
  await q.query(markEmailProcessedIfDoneSql, [id]);
}

/** The raw bytes of a delivery, or null when they were not stored (oversize). */
export async function getRawBytes(q: Queryable, id: number): Promise<Uint8Array | null> {
  const raw = (await q.query<{ raw: string | null }>(getRawBytesSql, [id])).rows[0]?.raw;
  return raw === undefined || raw === null ? null : fromBase64(raw);
}

/** Locks the email's row until the transaction ends (serialises the deliveries of one email's effects). */
export async function lockEmail(q: Queryable, id: number): Promise<void> {
  await q.query(lockEmailSql, [id]);
}
