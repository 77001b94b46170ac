/**
 * The `route` job: runs the intent's handler and the reply policy, and writes every effect to the outbox
 * with its `deliver` job, in one statement with the routing decision. A crash before it commits leaves no
 * trace (the job runs again); after it, the deliver jobs carry on: no effect is lost or doubled.
 */
import type { Intent } from "../classify/intents.ts";
import type { Queryable } from "../db/client.ts";
import { linkConversation, listConversation } from "../db/conversations.ts";
import {
  type EmailForRoute,
  getEmailForRoute,
  markEmailProcessedIfDone,
  type PlannedEffect,
  storeRoute,
} from "../db/effects.ts";
import { getSuppression } from "../db/feedback.ts";
import { normaliseAddress } from "../feedback/parse.ts";
import { type JobHandler, PermanentError } from "../jobs/types.ts";
import { detectLanguage } from "../mail/language.ts";
import { ownText } from "../mail/own_text.ts";
import { count } from "../metrics.ts";
import { EXCERPT_CHARS, type FollowUp, MAX_ITEMS, type ThreadLink, threadRefs } from "./conversation.ts";
import { plan, type PlanConfig, type RoutableEmail } from "./plan.ts";

/** The job kinds of this stage. */
export const ROUTE_JOB = "route";
export const DELIVER_JOB = "deliver";

/** Options of {@linkcode routeJobHandler}. */
export interface RouteOptions extends PlanConfig {
  autoReplyWindowMs: number;
  /** Without threading headers, an email from the same address with the same subject this recent follows it. */
  conversationGuessWindowMs: number;
  jobMaxAttempts: number;
}

/** The handler of `route` jobs (payload `{email_id}`). */
export function routeJobHandler(options: RouteOptions): JobHandler {
  return async ({ job, db, log }) => {
    const emailId = Number(job.payload.email_id);
    const e = await getEmailForRoute(db, emailId);
    if (!e) throw new PermanentError(`Cannot route email ${emailId}: no such email`);
    if (e.routed_at) return { type: "done" };
    if (!e.classified_at) throw new PermanentError(`Cannot route email ${emailId}: it is not classified yet`);
    const link = await linkConversation(db, {
      emailId,
      refs: threadRefs(e.in_reply_to, e.references),
      guessWindowMs: options.conversationGuessWindowMs,
    });
    const followUp = await conversationOf(db, {
      conversationId: link.conversation_id,
      parentId: link.parent_id,
      link: link.link,
    });
    const suppression = await getSuppression(db, normaliseAddress(e.reply_to || e.sender));
    const decided = plan({ ...routable(e, followUp), suppression }, options);

    const effects: PlannedEffect[] = [
      ...decided.suppressed.map((x) => ({
        kind: "reply" as const,
        purpose: x.purpose,
        payload: x.payload,
        reason: x.reason,
        windowRecipient: null,
      })),
      ...decided.effects.map((x) => ({
        ...x,
        reason: null,
        windowRecipient: x.kind === "reply" ? x.payload.to[0] ?? null : null,
      })),
    ];
    const stored = await db.transaction(async (tx) => {
      const stored = await storeRoute(tx, {
        emailId,
        effects,
        windowMs: options.autoReplyWindowMs,
        windowReason: "an automatic reply went to this sender within AUTO_REPLY_WINDOW",
        deliver: { kind: DELIVER_JOB, maxAttempts: options.jobMaxAttempts },
        closedReason: decided.closed ?? null,
      });
      await markEmailProcessedIfDone(tx, emailId);
      return stored;
    });
    const summary = {
      pending: stored.filter((x) => x.state === "pending").map((x) => x.purpose),
      suppressed: stored.filter((x) => x.state === "suppressed").map((x) => `${x.purpose}: ${x.reason}`),
    };
    const help = "Automatic replies withheld, by reason.";
    if (e.automated) count("ses_daemon_bot_auto_replies_suppressed_total", help, { reason: "automated" });
    for (const line of summary.suppressed) {
      count("ses_daemon_bot_auto_replies_suppressed_total", help, { reason: suppressionReason(line) });
    }
    log.info("Email {emailId} ({intent}) routed: {effects}", {
      emailId,
      intent: e.intent,
      effects: summary.pending,
      suppressed: summary.suppressed,
      conversation: link.conversation_id,
      followUp: link.link ?? undefined,
    });
    return { type: "done" };
  };
}

/** A short, bounded label for a suppression reason (metrics labels must not be free text). */
function suppressionReason(text: string): string {
  if (text.includes("follow-up in conversation")) return "follow_up";
  if (text.includes("AUTO_REPLY_WINDOW")) return "sender_window";
  if (text.includes("own addresses")) return "own_address";
  if (text.includes("suppression list")) return "suppression_list";
  if (text.includes("not on the From domain")) return "reply_to_elsewhere";
  if (/spam|virus/i.test(text)) return "spam_or_virus";
  if (text.includes("auto_reply_ok is false")) return "unsafe";
  return "other";
}

/** The conversation an email follows, its earlier emails as their senders' own words; null when it starts one. */
export async function conversationOf(
  q: Queryable,
  t: { conversationId: number | null; parentId: number | null; link: string | null },
): Promise<FollowUp | null> {
  if (t.conversationId === null || t.parentId === null || t.link === null) return null;
  const items = await listConversation(q, {
    conversationId: t.conversationId,
    excerptChars: EXCERPT_CHARS * 4,
    limit: MAX_ITEMS,
  });
  return {
    conversationId: t.conversationId,
    parentId: t.parentId,
    link: t.link as ThreadLink,
    // The quoted history would repeat the messages before it.
    items: items.map((m) => ({
      ...m,
      excerpt: m.kind === "email"
        ? ownText({ body: m.excerpt }, { maxChars: EXCERPT_CHARS }) || m.excerpt
        : m.excerpt,
    })),
  };
}

/** The email as routing sees it. */
export function routable(e: EmailForRoute, followUp: FollowUp | null): RoutableEmail {
  return {
    id: e.id,
    messageId: e.message_id,
    messageIdGenerated: e.message_id_generated,
    sender: e.sender,
    senderName: e.sender_name,
    replyTo: e.reply_to,
    subject: e.subject,
    body: e.body,
    references: e.references,
    intent: e.intent as Intent,
    automated: e.automated === true,
    autoReplyOk: e.auto_reply_ok === true,
    reasons: e.rule_reasons,
    receivedAt: e.received_at,
    rawId: e.raw_id,
    followUp,
    // What the classifier read: the subject and the sender's own words.
    language: detectLanguage(
      `${e.subject ?? ""}\n${ownText({ body: e.body ?? undefined, subject: e.subject ?? undefined })}`,
    )
      .language,
  };
}
