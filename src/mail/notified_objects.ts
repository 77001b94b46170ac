/**
 * What SQS and the SNS endpoint share: an SES notification becomes a source item naming its S3 object (the
 * same source key as S3 polling, `s3://bucket/key`, so no mode stores a message twice), and the object is read
 * and moved exactly as the S3 poller does it.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { parseSesNotification } from "./ses_notification.ts";
import { s3Source } from "./s3_source.ts";
import type { MailSource, SourceItem } from "./source.ts";

/** How notified objects are read and moved. */
export interface NotifiedObjectOptions {
  region: string;
  s3Endpoint?: string;
  /** Objects under this prefix keep the rest of their key under `processedPrefix` when moved. */
  sesPrefix: string;
  processedPrefix: string;
  afterIngest: "move" | "delete";
}

/** The item of one notification: its object, or the reason it has none. */
export function notificationItem(body: string, meta: { messageId: string; [k: string]: string }): SourceItem {
  const n = parseSesNotification(body);
  if ("error" in n) {
    return {
      name: `notification ${meta.messageId}`,
      size: undefined,
      key: undefined,
      meta,
      rejected: { reason: n.error, externalId: meta.messageId, body },
    };
  }
  return {
    name: n.key,
    size: undefined,
    key: `s3://${n.bucket}/${n.key}`,
    verdicts: n.verdicts,
    meta: { ...meta, bucket: n.bucket },
  };
}

/** Reads and moves notified objects, one S3 source per bucket and prefix. */
export function notifiedObjects(
  options: NotifiedObjectOptions,
  s3: S3Client,
): (item: SourceItem) => MailSource {
  const sources = new Map<string, MailSource>();
  return (item) => {
    const bucket = item.meta?.bucket ?? "";
    const prefix = options.sesPrefix && item.name.startsWith(options.sesPrefix) ? options.sesPrefix : "";
    const id = `${bucket}\n${prefix}`;
    let source = sources.get(id);
    if (!source) {
      source = s3Source({
        bucket,
        prefix,
        processedPrefix: options.processedPrefix,
        afterIngest: options.afterIngest,
        region: options.region,
        endpoint: options.s3Endpoint,
      }, s3);
      sources.set(id, source);
    }
    return source;
  };
}

/** The source behind the SNS endpoint: items arrive by push, and nothing needs deleting on rejection. */
export function snsObjectSource(objects: (item: SourceItem) => MailSource): MailSource {
  return {
    kind: "sns",
    description: "sns endpoint",
    async *list() {},
    read: (item) => objects(item).read(item),
    open: (item) => objects(item).open!(item),
    location: (item, o) => objects(item).location(item, o),
    finish: (item, o) => objects(item).finish(item, o),
    reject: () => Promise.resolve(),
  };
}
