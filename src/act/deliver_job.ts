/**
 * The `deliver` job: one effect through its transport. Replies and forwards reserve a slot of the global send
 * rate first. 2xx/sent marks the effect delivered; a permanent error fails it for good (`effects` lists it, a
 * person retries it); other errors retry with backoff, or after the remote side's Retry-After. An SES send
 * whose outcome is unknown (timeout, connection cut after the request went out, or a run cut off while
 * sending) fails with a reason starting "ambiguous:", never retried by itself: SES has no idempotency key, so
 * only a person can tell whether a retry would send the reply twice. The email is `processed` once none of
 * its effects is pending.
 */
import type { Logger } from "@logtape/logtape";
import type { Db } from "../db/client.ts";
import {
  getEffect,
  getRawBytes,
  lockEmail,
  markEffectAmbiguous,
  markEffectDelivered,
  markEffectSending,
  markEmailProcessedIfDone,
  recordEffectFailure,
  releaseFallback,
  reserveSendSlot,
  suppressReply,
} from "../db/effects.ts";
import { getSuppression } from "../db/feedback.ts";
import { normaliseAddress } from "../feedback/parse.ts";
import { type MessagePayload, suppressedReason, type WebhookPayload } from "./plan.ts";
import { errorText } from "../log.ts";
import { count } from "../metrics.ts";
import type { JobHandler } from "../jobs/types.ts";
import { buildMessage } from "./mime.ts";
import { DeliveryError, type MailTransport, type WebhookSender } from "./transport.ts";

/** What delivery goes through. */
export interface DeliverOptions {
  mail: MailTransport;
  webhooks: WebhookSender;
  webhookUrls: { crm?: string; escalation?: string };
  /** Outgoing e-mails per second, across every instance. */
  sendRatePerSecond: number;
  /** WEBHOOK_TIMEOUT: a webhook run cut off while sending is sent again only after this (default 60 s). */
  webhookTimeoutMs?: number;
}

/**
 * A send slot further away than this sends the job back to the queue until shortly before it (the slot stays
 * the effect's) instead of holding a worker; nearer, the job waits for it in place.
 */
const MAX_SLOT_WAIT_MS = 2_000;
/** A snoozed job comes back this long before its slot: the claim's own latency must not make it late. */
const SLOT_LEAD_MS = 250;
/**
 * A slot passed by more than this is stale (the job ran late: a busy machine, a stop, a crash) and a new one
 * is reserved; within it, the job sends at once. Late sends crowd into the next second: with a tolerance of
 * T, a second sees at most SEND_RATE × (1 + T / 1 s) sends (1 s let a test see 14 at SEND_RATE=10).
 */
const SLOT_STALE_MS = 200;

/**
 * The wait for this effect's send slot: the slot it holds when still fresh, else a new one. A wait longer
 * than MAX_SLOT_WAIT_MS is a snooze: the job runs again just before its slot, without spending an attempt;
 * before, each such wait reserved another slot and counted an attempt, so with 32 workers and SEND_RATE=10 the
 * reservations ran away (300 replies: 22 sent, then none for 50 s).
 */
async function slotWait(
  db: Db,
  effect: { id: number; slot_wait_ms: number | null },
  sendRatePerSecond: number,
): Promise<number | undefined> {
  if (effect.slot_wait_ms !== null && effect.slot_wait_ms >= -SLOT_STALE_MS) return effect.slot_wait_ms;
  return await reserveSendSlot(db, { effectId: effect.id, spacingMs: 1000 / sendRatePerSecond });
}

/** The handler of `deliver` jobs (payload `{effect_id}`). */
export function deliverJobHandler(options: DeliverOptions): JobHandler {
  return async ({ job, workerId, db, log }) => {
    const effectId = Number(job.payload.effect_id);
    const effect = await getEffect(db, effectId);
    if (!effect || effect.state !== "pending") return { type: "done" };
    const effectLog = log.with({ emailId: effect.email_id, effectId, purpose: effect.purpose });
    const mail = effect.kind !== "webhook";
    // A transport that deduplicates by the effect's key (webhook receivers, files) may send again once the
    // other run's request has surely ended; SES has no such key: a mark left by another run is ambiguous.
    const takeoverAfterMs = !mail
      ? (options.webhookTimeoutMs ?? 60_000) + 1_000
      : options.mail.kind === "file"
      ? 0
      : null;
    if (effect.sending_token !== null && takeoverAfterMs === null) {
      const reason = `${AMBIGUOUS}: a run was cut off while sending it (crash, or its job was taken over)`;
      if (await markEffectAmbiguous(db, { id: effectId, error: reason, token: effect.sending_token })) {
        await settle(db, effect.email_id);
        failedForGood(effect.kind, effectLog, reason);
      }
      return { type: "done" };
    }
    if (mail) {
      const wait = await slotWait(db, effect, options.sendRatePerSecond);
      if (wait === undefined) return { type: "done" }; // the effect is gone
      if (wait > MAX_SLOT_WAIT_MS) {
        return {
          type: "snooze",
          reason: "waiting for its send slot (SEND_RATE)",
          delayMs: wait - SLOT_LEAD_MS,
        };
      }
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    // Fenced by this run's claim: a stale run (its job abandoned or taken over) sends nothing.
    const token = crypto.randomUUID();
    if (!await markEffectSending(db, { effectId, token, job, workerId, takeoverAfterMs })) {
      // Another run marked it less than takeoverAfterMs ago (or this claim is stale, and the snooze is refused):
      // look again once that run's request has surely ended, without spending an attempt on the wait.
      return {
        type: "snooze",
        reason: `effect ${effectId} is being sent by another run`,
        delayMs: takeoverAfterMs ?? 5_000,
      };
    }
    if (effect.kind === "reply") {
      // Checked at routing, and again here: feedback may have suppressed the address since.
      const p = effect.payload as unknown as MessagePayload;
      const held = await withheldBySuppression(db, effectId, p.to[0], {
        token,
        deliver: { kind: job.kind, maxAttempts: job.max_attempts },
      });
      if (held) {
        effectLog.warn("Reply {effectId} withheld right before sending: {reason}", { reason: held });
        count("ses_daemon_bot_auto_replies_suppressed_total", "Automatic replies withheld, by reason.", {
          reason: "suppression_list",
        });
        return { type: "done" };
      }
    }
    let sesMessageId: string | undefined;
    try {
      if (!mail) {
        const p = effect.payload as unknown as WebhookPayload;
        await options.webhooks.send(effect.idempotency_key, {
          url: options.webhookUrls[p.target],
          name: p.target,
        }, p.body);
      } else {
        const p = effect.payload as unknown as MessagePayload;
        const raw = await messageBytes(db, p);
        sesMessageId = (await options.mail.send(effect.idempotency_key, raw, { from: p.from, to: p.to }))
          ?.messageId;
      }
    } catch (error) {
      if (error instanceof DeliveryError && error.ambiguous && takeoverAfterMs === null) {
        // SES may have sent it: a retry could send it twice. A person checks and runs `effects retry`.
        const reason = `${AMBIGUOUS}: ${errorText(error)}`;
        if (await markEffectAmbiguous(db, { id: effectId, error: reason, token })) {
          // Whether it went or not, a person looks: the reply's fallback hand-off goes out.
          await settle(db, effect.email_id, {
            effectId,
            deliver: { kind: job.kind, maxAttempts: job.max_attempts },
          });
          failedForGood(effect.kind, effectLog, reason);
        }
        return { type: "done" };
      }
      const final = (error instanceof DeliveryError && error.permanent) || job.attempts >= job.max_attempts;
      const reason = errorText(error);
      const released = await db.transaction(async (tx) => {
        await lockEmail(tx, effect.email_id);
        await recordEffectFailure(tx, { id: effectId, error: reason, final, token });
        if (!final) return [];
        // A reply that cannot go hands the email to a person instead (its fallback, planned with it).
        const released = effect.kind === "reply"
          ? await releaseFallback(tx, {
            effectId,
            deliver: { kind: job.kind, maxAttempts: job.max_attempts },
          })
          : [];
        await markEmailProcessedIfDone(tx, effect.email_id);
        return released;
      });
      if (released.length > 0) {
        effectLog.warn("The reply failed for good; handed the email to a person: {released}", { released });
      }
      if (final) {
        failedForGood(effect.kind, effectLog, reason);
        return { type: "done" };
      }
      const delayMs = error instanceof DeliveryError ? error.retryAfterMs : undefined;
      return { type: "retry", reason, delayMs };
    }
    await db.transaction(async (tx) => {
      await lockEmail(tx, effect.email_id);
      await markEffectDelivered(tx, { id: effectId, token, sesMessageId });
      await markEmailProcessedIfDone(tx, effect.email_id);
    });
    count("ses_daemon_bot_effects_delivered_total", "Effects delivered, by kind.", { kind: effect.kind });
    effectLog.info("Delivered {kind} {purpose}", { kind: effect.kind });
    return { type: "done" };
  };
}

/** The start of the reason of an effect that may or may not have been sent: `effects` shows it. */
export const AMBIGUOUS = "ambiguous: the request may have been sent";

/** The email is processed once none of its effects is pending. */
/** Settles the email; after a reply that failed for good (`failedReply`), stores its fallback hand-off first. */
async function settle(
  db: Db,
  emailId: number,
  failedReply?: { effectId: number; deliver: { kind: string; maxAttempts: number } },
): Promise<void> {
  await db.transaction(async (tx) => {
    await lockEmail(tx, emailId);
    if (failedReply) await releaseFallback(tx, failedReply);
    await markEmailProcessedIfDone(tx, emailId);
  });
}

/**
 * When `to` is on the suppression list: withholds the reply (marked by this run's `token`) with the reason,
 * stores its hand-off, settles the email, and returns the reason; else undefined.
 */
async function withheldBySuppression(
  db: Db,
  effectId: number,
  to: string | undefined,
  run: { token: string; deliver: { kind: string; maxAttempts: number } },
): Promise<string | undefined> {
  if (!to) return undefined;
  const suppression = await getSuppression(db, normaliseAddress(to));
  if (!suppression) return undefined;
  const reason = suppressedReason(suppression.address, suppression.reason);
  return await db.transaction(async (tx) => {
    const row = await getEffect(tx, effectId);
    if (!row) return undefined;
    await lockEmail(tx, row.email_id);
    if (!await suppressReply(tx, { id: effectId, reason, token: run.token })) return undefined;
    await releaseFallback(tx, { effectId, deliver: run.deliver });
    await markEmailProcessedIfDone(tx, row.email_id);
    return reason;
  });
}

function failedForGood(kind: string, effectLog: Logger, reason: string): void {
  count("ses_daemon_bot_effects_failed_total", "Effects failed for good, by kind.", { kind });
  effectLog.error("Effect {effectId} failed for good: {reason}", { reason });
}

async function messageBytes(db: Db, p: MessagePayload): Promise<Uint8Array> {
  const original = p.attach_raw_id !== undefined ? await getRawBytes(db, p.attach_raw_id) : null;
  return buildMessage({
    from: p.from,
    to: p.to,
    subject: p.subject,
    text: original === null && p.attach_raw_id !== undefined
      ? `${p.text}\n\n(The original was too large to attach; it is kept where the raw message is stored.)`
      : p.text,
    messageId: p.message_id,
    inReplyTo: p.in_reply_to,
    references: p.references,
    autoSubmitted: p.auto_submitted,
    headers: p.auto_submitted === "auto-replied"
      ? {
        "X-Auto-Response-Suppress": "All",
        ...(p.content_language ? { "Content-Language": p.content_language } : {}),
      }
      : undefined,
    attachOriginal: original ? { filename: "original.eml", content: original } : undefined,
  });
}
