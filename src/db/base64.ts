/**
 * Raw message bytes cross the wire as base64 text (`decode($n, 'base64')`, `encode(raw, 'base64')`) rather
 * than as bytea: postgres.js sends and reads bytea in hex, twice the size, and decodes hex in JavaScript (18 ms
 * for a 2 MB message here, against 1-3 ms for base64, which Deno decodes natively).
 */
import { Buffer } from "node:buffer";

/** Base64 of bytes, for a `decode($n, 'base64')` parameter. */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** Bytes of `encode(…, 'base64')` text (its line breaks are skipped). */
export function fromBase64(text: string): Uint8Array {
  return Buffer.from(text, "base64");
}
