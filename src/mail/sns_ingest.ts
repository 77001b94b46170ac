/**
 * SNS over HTTPS into the database: the endpoint of `sns_http.ts` (signatures, topics, subscription
 * confirmation) hands each verified notification to the same ingest as SQS; the answer is 2xx only after the
 * row is committed, so SNS retries anything that failed. A notification that cannot become a message is
 * recorded in source_errors and answered 200 (a retry would not change it).
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { Db } from "../db/client.ts";
import { ingestItem, type IngestOptions } from "./ingest.ts";
import {
  notificationItem,
  type NotifiedObjectOptions,
  notifiedObjects,
  snsObjectSource,
} from "./notified_objects.ts";
import { type SnsEndpoint, startSnsEndpoint } from "./sns_http.ts";
import type { SnsVerifyOptions } from "./sns_verify.ts";

/** Options of {@linkcode startSnsIngest}. */
export interface SnsIngestOptions extends NotifiedObjectOptions, IngestOptions {
  addr: string;
  /** Topics of receipt notifications (inbound mail). */
  topicArns: string[];
  /**
   * Topics of SES sending feedback (SES_FEEDBACK_TOPIC_ARNS), verified alike and handed to `onFeedback`. A
   * topic on both lists carries both: what is not feedback goes on to inbound mail.
   */
  feedbackTopicArns?: string[];
  /** Stores one feedback notification (its envelope's text); false when it carries no feedback. */
  onFeedback?: (text: string) => Promise<boolean>;
  /** SNS_REQUEST_TIMEOUT: a body not received in full by then is answered 408. */
  requestTimeoutMs?: number;
  /** SNS_MAX_IN_FLIGHT: requests handled at once; more are answered 503. */
  maxInFlight?: number;
  /** Called after a message is stored (wake the workers). */
  onStored?: () => void;
  /** Verification settings; tests pass their own certificate host here. */
  verify?: SnsVerifyOptions;
}

/** Starts the SNS endpoint, storing what it receives in `db`. */
export function startSnsIngest(db: Db, s3: S3Client, options: SnsIngestOptions): SnsEndpoint {
  const source = snsObjectSource(notifiedObjects(options, s3));
  const inbound = new Set(options.topicArns);
  const feedback = new Set(options.onFeedback ? options.feedbackTopicArns ?? [] : []);
  return startSnsEndpoint({
    addr: options.addr,
    topicArns: [...new Set([...inbound, ...feedback])],
    requestTimeoutMs: options.requestTimeoutMs,
    maxInFlight: options.maxInFlight,
    verify: options.verify,
    onNotification: async (text, msg) => {
      if (feedback.has(msg.TopicArn)) {
        if (await options.onFeedback!(text) || !inbound.has(msg.TopicArn)) return;
      }
      const item = notificationItem(text, { messageId: msg.MessageId ?? "" });
      const result = await ingestItem(db, source, item, options);
      if (result === "stored") options.onStored?.();
    },
  });
}
