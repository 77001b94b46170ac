/** Where raw inbound mail comes from. One interface; the implementation is chosen once at start-up. */

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
}

/** A source of raw messages. `finish` is only ever called after the message is committed to the database. */
export interface MailSource {
  readonly kind: "s3" | "folder" | "files";
  /** Describes the source for logs and `status` (no secrets). */
  readonly description: string;
  /** Lists the messages waiting now. */
  list(): AsyncIterable<SourceItem>;
  /** Reads a message's bytes. */
  read(item: SourceItem): Promise<Uint8Array>;
  /** Where the original will be after {@linkcode MailSource.finish} (null when it is deleted). */
  location(item: SourceItem, options: { keep: boolean }): string | null;
  /**
   * Takes the message out of the source (move to processed, or delete) after its row is committed.
   * With `keep`, it is moved even where deleting is configured: used for mail whose bytes were not stored.
   * Safe to repeat: a message that is already gone is not an error.
   */
  finish(item: SourceItem, options: { keep: boolean }): Promise<void>;
}

/** Thrown by `read` when the item left the source after it was listed (another instance took it). */
export class SourceItemGone extends Error {
  constructor(name: string) {
    super(`${name} is no longer in the source (taken by another instance)`);
    this.name = "SourceItemGone";
  }
}
