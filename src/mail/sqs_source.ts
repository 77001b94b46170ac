/**
 * The SQS source: SES receipt notifications (an SNS envelope, or the raw notification with raw message
 * delivery) long-polled from `SQS_QUEUE_URL`. Each names the object its S3 action wrote
 * (`receipt.action.bucketName`/`objectKey`, never built by us); the object is ingested exactly like the S3
 * poller does it (same source key `s3://bucket/key`, so the two modes never store a message twice), and the SQS
 * message is deleted only after the row is committed. SQS delivers at least once: a redelivered or duplicated
 * notification finds its key stored and is simply deleted.
 */
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { S3Client } from "@aws-sdk/client-s3";
import { notificationItem, type NotifiedObjectOptions, notifiedObjects } from "./notified_objects.ts";
import { createS3Client } from "./s3_source.ts";
import type { MailSource, SourceItem } from "./source.ts";

/** Options of {@linkcode sqsSource}. */
export interface SqsSourceOptions extends NotifiedObjectOptions {
  queueUrl: string;
  region: string;
  /** An SQS-compatible endpoint (tests, ElasticMQ). */
  sqsEndpoint?: string;
  /** An S3-compatible endpoint for the objects. */
  s3Endpoint?: string;
  /** Objects under this prefix keep the rest of their key under `processedPrefix` when moved. */
  sesPrefix: string;
  processedPrefix: string;
  afterIngest: "move" | "delete";
  /** A notification that cannot become a message: `delete` it, or `keep` it for the dead-letter policy. */
  badMessages: "delete" | "keep";
  /** Long-poll wait; 20 s is SQS's maximum. */
  waitSeconds?: number;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** Creates the SQS client; its HTTP timeout outlasts the 20 s long poll. */
export function createSqsClient(
  options: Pick<SqsSourceOptions, "region" | "sqsEndpoint" | "credentials">,
): SQSClient {
  return new SQSClient({
    region: options.region,
    endpoint: options.sqsEndpoint,
    credentials: options.credentials,
    // The SDK accepts the handler's options directly: 30 s outlasts the 20 s long poll.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000 },
  });
}

/** Reads SES notifications from an SQS queue. */
export function sqsSource(
  options: SqsSourceOptions,
  clients: { sqs?: SQSClient; s3?: S3Client } = {},
): MailSource {
  const sqs = clients.sqs ?? createSqsClient(options);
  const s3 = clients.s3 ??
    createS3Client({
      region: options.region,
      endpoint: options.s3Endpoint,
      credentials: options.credentials,
    });
  const objects = notifiedObjects(options, s3);
  const deleteMessage = async (receiptHandle: string) => {
    await sqs.send(new DeleteMessageCommand({ QueueUrl: options.queueUrl, ReceiptHandle: receiptHandle }));
  };
  /**
   * Copies of one notification in a batch (SQS delivers at least once) are handled as one item: this maps
   * the receipt handle of the item listed to those of its copies, deleted with it. Two moves of one object
   * at once raced (seen with s3rver: a copy reading an object the other move had just deleted lost the
   * processed/ copy).
   */
  const copiesOf = new Map<string, string[]>();
  return {
    kind: "sqs",
    description: `sqs ${options.queueUrl}`,
    async *list(signal) {
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
      copiesOf.clear(); // the previous batch is finished (or left to become visible again)
      const first = new Map<string, SourceItem>();
      const items: SourceItem[] = [];
      for (const m of res.Messages ?? []) {
        const item = notificationItem(m.Body ?? "", {
          receiptHandle: m.ReceiptHandle ?? "",
          messageId: m.MessageId ?? "",
        });
        const same = item.key === undefined ? undefined : first.get(item.key);
        if (same) {
          const handle = same.meta!.receiptHandle;
          copiesOf.set(handle, [...(copiesOf.get(handle) ?? []), item.meta!.receiptHandle]);
          continue;
        }
        if (item.key !== undefined) first.set(item.key, item);
        items.push(item);
      }
      yield* items;
    },
    read: (item) => objects(item).read(item),
    open: (item) => objects(item).open!(item),
    location: (item, o) => objects(item).location(item, o),
    async finish(item, o) {
      await objects(item).finish(item, o);
      const handle = item.meta!.receiptHandle;
      for (const h of [handle, ...(copiesOf.get(handle) ?? [])]) await deleteMessage(h);
      copiesOf.delete(handle);
    },
    async reject(item) {
      if (options.badMessages === "delete") await deleteMessage(item.meta!.receiptHandle);
      // "keep": the message becomes visible again and the queue's redrive policy moves it to the dead-letter
      // queue after maxReceiveCount receipts; source_errors records it once.
    },
  };
}
