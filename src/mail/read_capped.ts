/**
 * Reads a message from a stream, keeping at most `maxBytes` in memory: the SHA-256 covers every byte, so an
 * oversize message still gets a content key (`sha256:<hex>`) without being held whole. Keyed by name and size
 * instead, a second oversize `mail.eml` of the same size counted as known and replaced the first one's only
 * copy in `processed/`.
 */
import { createHash } from "node:crypto";

/** What a capped read found: the bytes (null when over the cap), the size and the hash of all of them. */
export interface CappedRead {
  bytes: Uint8Array | null;
  size: number;
  sha256: string;
}

/** Reads `stream` to its end; bytes past `maxBytes` are hashed and counted, not kept. */
export async function readCapped(stream: ReadableStream<Uint8Array>, maxBytes: number): Promise<CappedRead> {
  const hash = createHash("sha256");
  let chunks: Uint8Array[] | null = [];
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    size += chunk.length;
    if (chunks && size > maxBytes) chunks = null;
    chunks?.push(chunk);
  }
  let bytes: Uint8Array | null = null;
  if (chunks) {
    bytes = chunks.length === 1 ? chunks[0] : new Uint8Array(size);
    if (chunks.length !== 1) {
      let at = 0;
      for (const c of chunks) bytes.set(c, (at += c.length) - c.length);
    }
  }
  return { bytes, size, sha256: hash.digest("hex") };
}
