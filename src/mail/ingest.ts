/**
 * Ingest: one message from a source into `raw_messages`, with its `parse` job, in one statement; only then
 * is the source object moved or deleted. A crash between the commit and the move leaves the object in place;
 * the next poll finds its source key stored and just moves it: never a second row, never a lost message.
 */
import { contentKey } from "./content_key.ts";
import { sha256Hex } from "./hex.ts";
import { type CappedRead, readCapped } from "./read_capped.ts";
import type { Db } from "../db/client.ts";
import { insertSourceError, isSourceKeyKnown, storeRawMessage } from "../db/emails.ts";
import { errorText, log } from "../log.ts";
import { withTimeout } from "../timeout.ts";
import type { RawHandoff } from "./raw_handoff.ts";
import { type MailSource, type SourceItem, SourceItemGone } from "./source.ts";

/** The job kind that turns a stored delivery into an email. */
export const PARSE_JOB = "parse";

/** Options of {@linkcode ingestItem} and {@linkcode pollSource}. */
export interface IngestOptions {
  maxMessageBytes: number;
  jobMaxAttempts: number;
  /** Where this process's parse jobs find the deliveries it stored (see raw_handoff.ts). */
  handoff?: RawHandoff;
}

/** What became of one source item. */
export type IngestResult = "stored" | "known" | "oversize" | "rejected";

const logger = log("ingest");

/** Stores one item and takes it out of the source. */
export async function ingestItem(
  db: Db,
  source: MailSource,
  item: SourceItem,
  options: IngestOptions,
): Promise<IngestResult> {
  if (item.rejected) return await reject(db, source, item, item.rejected.reason);
  const max = options.maxMessageBytes;
  let read: CappedRead;
  try {
    if (source.open && (item.size === undefined || item.size > max)) {
      read = await readCapped(await source.open(item), max);
    } else if (item.size !== undefined && item.size > max) {
      // A source that cannot stream: the oversize message is not read; its key is its listing's.
      read = { bytes: null, size: item.size, sha256: "" };
    } else {
      const bytes = await source.read(item);
      read = { bytes: bytes.length > max ? null : bytes, size: bytes.length, sha256: sha256Hex(bytes) };
    }
  } catch (error) {
    // A notification whose object is gone: a redelivery of one we stored (and moved), or a real loss.
    if (!(error instanceof SourceItemGone) || !source.reject) throw error;
    if (item.key && await isSourceKeyKnown(db, item.key)) {
      await source.finish(item, { keep: false });
      return "known";
    }
    return await reject(db, source, item, `the object ${item.name} does not exist (deleted before ingest?)`);
  }
  const raw = read.bytes;
  const error = raw === null
    ? `message is ${read.size} bytes, over MAX_MESSAGE_BYTES (${max}); not parsed, the original is kept at ` +
      `its location`
    : null;
  const key = item.key ??
    (read.sha256 ? `sha256:${read.sha256}` : `${source.kind}:${item.name}:${read.size}`);
  if (read.sha256) item.sha256 = read.sha256;
  const keep = raw === null;
  const row = await storeRawMessage(db, {
    sourceKey: key,
    source: source.kind,
    location: source.location(item, { keep }),
    sha256: read.sha256,
    sizeBytes: read.size,
    raw,
    error,
    verdicts: item.verdicts ?? null,
    // An oversize message is not parsed: its bytes' hash is all that tells its copies apart.
    contentKey: raw ? contentKey(raw) : read.sha256 ? `bytes:${read.sha256}` : null,
  }, { kind: PARSE_JOB, maxAttempts: options.jobMaxAttempts });
  const stored = row !== undefined;
  if (row) options.handoff?.put(row);
  await source.finish(item, { keep });
  if (error) logger.warn("Stored {name} without parsing: {error}", { name: item.name, error });
  return !stored ? "known" : keep ? "oversize" : "stored";
}

/** Records why a notification cannot become a message, then lets the source drop or park it. */
async function reject(db: Db, source: MailSource, item: SourceItem, reason: string): Promise<IngestResult> {
  await insertSourceError(db, {
    source: source.kind,
    externalId: item.rejected?.externalId ?? item.meta?.messageId ?? item.name,
    reason,
    body: item.rejected?.body ?? null,
  });
  await source.reject?.(item);
  logger.warn("Rejected a notification from {source}: {reason}", { source: source.kind, reason });
  return "rejected";
}

/** Totals of one {@linkcode pollSource} pass. */
export interface PollSummary {
  stored: number;
  known: number;
  oversize: number;
  rejected: number;
  errors: number;
}

/**
 * Ingests everything the source lists now, `concurrency` items at a time. An item that fails (unreadable,
 * database down) is logged and left in the source for the next poll; the pass goes on with the others.
 */
export async function pollSource(
  db: Db,
  source: MailSource,
  options: IngestOptions & {
    concurrency: number;
    onItem?: (result: IngestResult | "error") => void;
    signal?: AbortSignal;
  },
): Promise<PollSummary> {
  const summary: PollSummary = { stored: 0, known: 0, oversize: 0, rejected: 0, errors: 0 };
  const running = new Set<Promise<void>>();
  for await (const item of source.list(options.signal)) {
    const task = ingestItem(db, source, item, options).then(
      (result) => {
        summary[result]++;
        options.onItem?.(result);
      },
      (error) => {
        if (error instanceof SourceItemGone) {
          summary.known++;
          options.onItem?.("known");
          return;
        }
        summary.errors++;
        options.onItem?.("error");
        logger.error("Cannot ingest {name}; it stays in the source for the next poll: {error}", {
          name: item.name,
          error: errorText(error),
        });
      },
    ).finally(() => running.delete(task));
    running.add(task);
    if (running.size >= options.concurrency) await Promise.race(running);
  }
  await Promise.all(running);
  return summary;
}

/**
 * Why the database cannot take a message now (undefined when `SELECT 1` answers within `timeoutMs`). The
 * daemon asks before each read of a source: a queue message received while the database is down cannot be
 * stored, becomes visible again after its visibility timeout, and each receive counts towards the queue's
 * maxReceiveCount. Unchecked, a 100 ms visibility gave ~3 receives a second (8 in 3 s, the DB-outage test),
 * so a redrive policy of 5 moved every message to the dead-letter queue within seconds of an outage.
 */
export async function databaseDown(db: Db, timeoutMs = 3_000): Promise<string | undefined> {
  try {
    await withTimeout(db.query("SELECT 1"), timeoutMs, `no answer within ${timeoutMs} ms`);
    return undefined;
  } catch (error) {
    return errorText(error);
  }
}

/**
 * The pause before the next look at a database that did not answer `failures` times in a row: 0.5 s doubling
 * to 30 s. A 10-minute outage costs ~25 cheap queries and no reads of the source; reading resumes at most 30 s
 * after the database is back.
 */
export function databaseRetryMs(failures: number): number {
  return Math.min(30_000, 500 * 2 ** Math.min(Math.max(failures - 1, 0), 6));
}
