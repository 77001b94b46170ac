/**
 * Deliveries this process has just stored, handed to its own parse jobs. The parse job of a delivery ingested
 * here usually runs here milliseconds later; reading the row back costs a round trip, and the bytes come as
 * base64 text (a third larger) to be decoded again: for a 2 MB message, ~7 MB of short-lived strings and
 * buffers. A parse job that finds nothing here (another instance ingested it, a restart, a retry) reads the
 * row as before, so nothing depends on the hand-off but speed.
 *
 * Bounded by bytes and rows, oldest dropped first: rows whose parse job another instance claimed are never
 * taken and age out.
 */
import type { RawMessageRow } from "../db/emails.ts";

/** Rows with their bytes, by raw_messages id; see the module comment. */
export class RawHandoff {
  readonly #rows = new Map<number, RawMessageRow>();
  readonly #maxBytes: number;
  readonly #maxRows: number;
  #bytes = 0;

  constructor(options: { maxBytes?: number; maxRows?: number } = {}) {
    this.#maxBytes = options.maxBytes ?? 8 * 1024 * 1024;
    this.#maxRows = options.maxRows ?? 1000;
  }

  /** Keeps a freshly stored row (one with bytes and no email yet). */
  put(row: RawMessageRow): void {
    if (row.raw === null || row.email_id !== null || row.raw.length > this.#maxBytes) return;
    this.#drop(row.id);
    this.#rows.set(row.id, row);
    this.#bytes += row.raw.length;
    for (const oldest of this.#rows.keys()) {
      if (this.#bytes <= this.#maxBytes && this.#rows.size <= this.#maxRows) break;
      this.#drop(oldest);
    }
  }

  /** The row of `id` if this process stored it and nothing took it yet; it is handed out once. */
  take(id: number): RawMessageRow | undefined {
    const row = this.#rows.get(id);
    this.#drop(id);
    return row;
  }

  /** Rows held now (for tests and metrics). */
  get size(): number {
    return this.#rows.size;
  }

  #drop(id: number): void {
    const row = this.#rows.get(id);
    if (!row) return;
    this.#rows.delete(id);
    this.#bytes -= row.raw?.length ?? 0;
  }
}
