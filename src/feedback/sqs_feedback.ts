/**
 * The feedback queue (`SES_FEEDBACK_QUEUE_URL`): SES bounce, complaint and delivery notifications, long-polled
 * from SQS (an SNS envelope, or the bare SES JSON with raw message delivery). A message is deleted only after
 * its rows are committed; a database failure leaves it to come back (SQS redelivers it after its visibility
 * timeout), and a repeat finds its feedback id stored. A message that is not an SES notification is deleted
 * (`SQS_BAD_MESSAGES=delete`) or left for the queue's dead-letter policy (`keep`).
 */
import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { Logger } from "@logtape/logtape";
import type { Db } from "../db/client.ts";
import { databaseDown, databaseRetryMs } from "../mail/ingest.ts";
import type { SuppressionRules } from "../db/feedback.ts";
import { addSummary, emptySummary, type FeedbackSummary, ingestFeedbackText } from "./ingest.ts";

/** Options of {@linkcode feedbackQueue}. */
export interface FeedbackQueueOptions {
  queueUrl: string;
  rules: SuppressionRules;
  badMessages: "delete" | "keep";
  /** Long-poll wait; 20 s is SQS's maximum. */
  waitSeconds?: number;
  log?: Logger;
}

/** A queue read one batch at a time. */
export interface FeedbackQueue {
  description: string;
  /** Receives one batch (up to 10 messages) and stores it. */
  poll(signal?: AbortSignal): Promise<FeedbackSummary & { messages: number }>;
}

/** Reads SES feedback from an SQS queue into `db`. */
export function feedbackQueue(db: Db, sqs: SQSClient, options: FeedbackQueueOptions): FeedbackQueue {
  const remove = (handle: string) =>
    sqs.send(new DeleteMessageCommand({ QueueUrl: options.queueUrl, ReceiptHandle: handle }));
  return {
    description: `sqs feedback ${options.queueUrl}`,
    async poll(signal) {
      const res = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: options.queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: options.waitSeconds ?? 20,
        }),
        { abortSignal: signal },
      ).catch((error) => {
        if (signal?.aborted) return { Messages: [] };
        throw error;
      });
      const total = { ...emptySummary(), messages: 0 };
      for (const m of res.Messages ?? []) {
        total.messages++;
        const summary = await ingestFeedbackText(db, m.Body ?? "", {
          source: "sqs",
          rules: options.rules,
          log: options.log,
        });
        addSummary(total, summary);
        if (summary.errors.length > 0) {
          options.log?.warn("Feedback message {messageId} is not usable ({action}): {reason}", {
            messageId: m.MessageId,
            action: options.badMessages === "delete" ? "deleted" : "kept for the dead-letter queue",
            reason: summary.errors.join("; "),
          });
          if (options.badMessages === "keep") continue;
        }
        await remove(m.ReceiptHandle ?? "");
      }
      return total;
    },
  };
}

/**
 * Reads the queue until `signal` aborts (or, with `once`, until a poll comes back empty). A failing poll is
 * logged and tried again after a backoff up to a minute, never fatal (with `once`: the third failure throws).
 * `onSuccess` feeds /healthz, which reports the queue stale after 90 s without a successful poll.
 */
export async function runFeedbackQueue(
  queue: FeedbackQueue,
  options: { db: Db; signal?: AbortSignal; once?: boolean; log: Logger; onSuccess?: () => void },
): Promise<FeedbackSummary> {
  const total = emptySummary();
  let failures = 0;
  let dbFailures = 0;
  while (!options.signal?.aborted) {
    // As for inbound mail: receive nothing the database cannot take, or each receipt during an outage
    // counts towards the queue's maxReceiveCount and a long outage sends feedback to the dead-letter queue.
    const down = await databaseDown(options.db);
    if (down !== undefined) {
      if (options.once) throw new Error(`Cannot store feedback: the database does not answer: ${down}`);
      const ms = databaseRetryMs(++dbFailures);
      options.log.error("The database does not answer; not reading {queue} for {ms} ms: {error}", {
        queue: queue.description,
        ms,
        error: down,
      });
      await sleep(ms, options.signal);
      continue;
    }
    dbFailures = 0;
    try {
      const batch = await queue.poll(options.signal);
      addSummary(total, batch);
      options.onSuccess?.();
      failures = 0;
      if (options.once && batch.messages === 0) break;
    } catch (error) {
      failures++;
      const ms = Math.min(60_000, 1_000 * 2 ** Math.min(failures, 6));
      options.log.error("Cannot read {queue}; trying again in {ms} ms: {error}", {
        queue: queue.description,
        ms,
        error: error instanceof Error ? error.message : String(error),
      });
      if (options.once && failures >= 3) throw error;
      await sleep(ms, options.signal);
    }
  }
  return total;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });
}
