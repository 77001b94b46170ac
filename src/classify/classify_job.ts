/**
 * The `classify` job: decides an email's intent and stores it, with the rules' verdict and the classifier's
 * metadata, in the same statement that enqueues the next stage. A 429 waits for its Retry-After through
 * the job's own run_at (the SDK would retry after half a second); 5xx and timeouts retry with backoff; on the
 * last attempt the offline classifier decides, so every email ends up classified.
 */
import { getEmailForClassify, setClassification } from "../db/emails.ts";
import type { NextJob } from "../db/jobs.ts";
import { type JobHandler, PermanentError } from "../jobs/types.ts";
import { decide, type DecideOptions } from "./decide.ts";
import { encodeIntent } from "./intents.ts";
import { LlmRateLimited } from "./llm.ts";
import { count, observe } from "../metrics.ts";
import { setLearnedFrom } from "../db/labels.ts";
import { LearnedCache } from "../learn/store.ts";

/** The job kind. */
export const CLASSIFY_JOB = "classify";

/** The handler of `classify` jobs (payload `{email_id}`); the `next` job is enqueued with the result. */
export function classifyJobHandler(
  options: Omit<DecideOptions, "lastAttempt" | "signal">,
  next?: NextJob,
): JobHandler {
  // What people taught, read again only when a label was added or retracted.
  const learned = new LearnedCache(options.maxChars);
  return async ({ job, db, log, signal }) => {
    const emailId = Number(job.payload.email_id);
    const email = await getEmailForClassify(db, emailId);
    if (!email) throw new PermanentError(`Cannot classify email ${emailId}: no such email`);
    if (email.classified_at) return { type: "done" };
    let decision;
    try {
      decision = await decide({
        headers: email.headers,
        sender: email.sender,
        replyTo: email.reply_to ?? undefined,
        senderName: email.sender_name,
        subject: email.subject ?? undefined,
        body: email.body,
        attachments: email.attachments,
        messageId: email.message_id,
      }, {
        ...options,
        learned: await learned.current(db),
        verdicts: email.verdicts ?? undefined,
        lastAttempt: job.attempts >= job.max_attempts,
        signal,
      });
    } catch (error) {
      if (error instanceof LlmRateLimited) {
        return { type: "retry", reason: error.message, delayMs: error.retryAfterMs };
      }
      throw error;
    }
    const stored = await setClassification(db, {
      id: emailId,
      intentFlags: encodeIntent(decision.intent),
      automated: decision.automated,
      autoReplyOk: decision.auto_reply_ok,
      reasons: decision.reasons,
      classifier: decision.classifier,
      model: decision.model,
      latencyMs: decision.latencyMs,
      promptTokens: decision.promptTokens,
      completionTokens: decision.completionTokens,
      note: decision.note,
    }, next);
    if (stored && decision.learnedFrom) {
      await setLearnedFrom(db, { id: emailId, learnedFrom: decision.learnedFrom });
    }
    count("ses_daemon_bot_emails_classified_total", "Emails classified, by intent and classifier.", {
      intent: decision.intent,
      classifier: decision.classifier,
    });
    if (decision.classifier === "llm") {
      observe(
        "ses_daemon_bot_llm_latency_seconds",
        "Latency of LLM classifications.",
        (decision.latencyMs ?? 0) / 1000,
      );
      const help = "Tokens used by LLM classifications.";
      count("ses_daemon_bot_llm_tokens_total", help, { type: "prompt" }, decision.promptTokens ?? 0);
      count("ses_daemon_bot_llm_tokens_total", help, { type: "completion" }, decision.completionTokens ?? 0);
    }
    log.info("Email {emailId} is {intent} by {classifier}", {
      emailId,
      intent: decision.intent,
      classifier: decision.classifier,
      automated: decision.automated,
      autoReplyOk: decision.auto_reply_ok,
      reasons: decision.reasons,
      note: decision.note ?? undefined,
      learnedFrom: decision.learnedFrom?.labels.map((l) => l.id),
    });
    return { type: "done" };
  };
}
