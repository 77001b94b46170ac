/**
 * The `deliver` job: one effect through its transport. Replies and forwards reserve a slot of the global send
 * rate first. 2xx/sent marks the effect delivered; a permanent error fails it for good (`effects` lists it, a
 * person retries it); other errors retry with backoff, or after the remote side's Retry-After. The email is
 * `processed` once none of its effects is pending.
 */
import type { Db } from "../db/client.ts";
import {
  getEffect,
  getRawBytes,
  lockEmail,
  markEffectDelivered,
  markEmailProcessedIfDone,
  recordEffectFailure,
  releaseFallback,
  reserveSendSlot,
} from "../db/effects.ts";
import { errorText } from "../log.ts";
import { count } from "../metrics.ts";
import type { JobHandler } from "../jobs/types.ts";
import { buildMessage } from "./mime.ts";
import type { MessagePayload, WebhookPayload } from "./plan.ts";
import { DeliveryError, type MailTransport, type WebhookSender } from "./transport.ts";

/** What delivery goes through. */
export interface DeliverOptions {
  mail: MailTransport;
  webhooks: WebhookSender;
  webhookUrls: { crm?: string; escalation?: string };
  /** Outgoing e-mails per second, across every instance. */
  sendRatePerSecond: number;
}

/** A wait for a send slot longer than this reschedules the job instead of holding a worker. */
const MAX_SLOT_WAIT_MS = 2_000;

/** The handler of `deliver` jobs (payload `{effect_id}`). */
export function deliverJobHandler(options: DeliverOptions): JobHandler {
  return async ({ job, db, log }) => {
    const effectId = Number(job.payload.effect_id);
    const effect = await getEffect(db, effectId);
    if (!effect || effect.state !== "pending") return { type: "done" };
    const effectLog = log.with({ emailId: effect.email_id, effectId, purpose: effect.purpose });
    try {
      if (effect.kind === "webhook") {
        const p = effect.payload as unknown as WebhookPayload;
        await options.webhooks.send(effect.idempotency_key, {
          url: options.webhookUrls[p.target],
          name: p.target,
        }, p.body);
      } else {
        const wait = await reserveSendSlot(db, 1000 / options.sendRatePerSecond);
        // A reschedule costs an attempt: on the last one, wait here instead, or the job would fail for good
        // with its effect left pending and no reason recorded.
        if (wait > MAX_SLOT_WAIT_MS && job.attempts < job.max_attempts) {
          return { type: "retry", reason: "send rate limit (SEND_RATE)", delayMs: wait };
        }
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const p = effect.payload as unknown as MessagePayload;
        const raw = await messageBytes(db, p);
        await options.mail.send(effect.idempotency_key, raw, { from: p.from, to: p.to });
      }
    } catch (error) {
      const final = (error instanceof DeliveryError && error.permanent) || job.attempts >= job.max_attempts;
      const reason = errorText(error);
      const released = await db.transaction(async (tx) => {
        await lockEmail(tx, effect.email_id);
        await recordEffectFailure(tx, { id: effectId, error: reason, final });
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
        count("ses_daemon_bot_effects_failed_total", "Effects failed for good, by kind.", {
          kind: effect.kind,
        });
        effectLog.error("Effect {effectId} failed for good: {reason}", { reason });
        return { type: "done" };
      }
      const delayMs = error instanceof DeliveryError ? error.retryAfterMs : undefined;
      return { type: "retry", reason, delayMs };
    }
    await db.transaction(async (tx) => {
      await lockEmail(tx, effect.email_id);
      await markEffectDelivered(tx, effectId);
      await markEmailProcessedIfDone(tx, effect.email_id);
    });
    count("ses_daemon_bot_effects_delivered_total", "Effects delivered, by kind.", { kind: effect.kind });
    effectLog.info("Delivered {kind} {purpose}", { kind: effect.kind });
    return { type: "done" };
  };
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
    headers: p.auto_submitted === "auto-replied" ? { "X-Auto-Response-Suppress": "All" } : undefined,
    attachOriginal: original ? { filename: "original.eml", content: original } : undefined,
  });
}
