/** Where raw inbound mail comes from. One interface; the implementation is chosen once at start-up. */
import type { SesVerdicts } from "./automated.ts";

/** One message waiting at the source. */
export interface SourceItem {
  /** Human-readable name for logs (object key or file name). */
  name: string;
  /** Size in bytes when the listing tells it, so oversized mail is never read into memory. */
  size: number | undefined;
  /**
   * Idempotency key known before reading (S3: `s3://bucket/key`, unique per delivery); undefined when the key
   * is derived from the content (files: `sha256:<hex>`).
   */
  key: string | undefined;
  /** Verdicts of the SES notification that announced the message (SQS, SNS). */
  verdicts?: SesVerdicts;
  /** Set when the notification cannot become a message: recorded in source_errors, then rejected. */
  rejected?: { reason: string; externalId: string; body: string };
  /** SHA-256 of the content, set by ingest once it is read (a folder names a processed file after it). */
  sha256?: string;
  /** Source-specific data (an SQS receipt handle, the bucket of a notification). */
  meta?: Record<string, string>;
}

/** A source of raw messages. `finish` is only ever called after the message is committed to the database. */
export interface MailSource {
  readonly kind: "s3" | "folder" | "files" | "sqs" | "sns";
  /** Describes the source for logs and `status` (no secrets). */
  readonly description: string;
  /** Lists the messages waiting now (SQS: one long poll); `signal` ends a long poll early. */
  list(signal?: AbortSignal): AsyncIterable<SourceItem>;
  /** Reads a message's bytes. */
  read(item: SourceItem): Promise<Uint8Array>;
  /**
   * Opens a message as a stream: used for messages over MAX_MESSAGE_BYTES, or of unknown size, so that they
   * are hashed without being held whole. Throws {@linkcode SourceItemGone} like `read`.
   */
  open?(item: SourceItem): Promise<ReadableStream<Uint8Array>>;
  /** Where the original will be after {@linkcode MailSource.finish} (null when it is deleted). */
  location(item: SourceItem, options: { keep: boolean }): string | null;
  /**
   * Takes the message out of the source (move to processed, or delete) after its row is committed.
   * With `keep`, it is moved even where deleting is configured: used for mail whose bytes were not stored.
   * Safe to repeat: a message that is already gone is not an error.
   */
  finish(item: SourceItem, options: { keep: boolean }): Promise<void>;
  /**
   * Notification sources: takes a notification that cannot become a message out of the queue (delete it, or
   * leave it for the queue's dead-letter policy). Called after its reason is committed.
   */
  reject?(item: SourceItem): Promise<void>;
}

/** Thrown by `read` when the item left the source after it was listed (another instance took it). */
export class SourceItemGone extends Error {
  constructor(name: string) {
    super(`${name} is no longer in the source (taken by another instance)`);
    this.name = "SourceItemGone";
  }
}
