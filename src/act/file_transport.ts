/**
 * The embedded default transport (`OUTBOX_DIR`): each message becomes `<dir>/<key>.eml` and each webhook body
 * `<dir>/<key>.json`. A file appears whole or not at all (written beside it, synced, then renamed), and a
 * second delivery of the same key replaces the first, so a retry after a crash leaves one file per effect.
 * Creating, writing and renaming are synchronous calls (tens of microseconds on a local disk for a reply or a
 * webhook body, where an awaited Deno file operation costs ~45 us of the event loop's thread); only the sync to
 * disk is awaited.
 */
import { dirname, join } from "node:path";
import { encodeHex } from "../mail/hex.ts";
import { DeliveryError, type MailTransport, type WebhookSender } from "./transport.ts";

type Envelope = { from: string; to: string[] };
type Target = { url?: string; name: string };

/** Writes messages and webhook bodies as files in `dir` (created when missing). */
export function fileTransport(dir: string): MailTransport & WebhookSender {
  async function write(key: string, ext: string, data: Uint8Array): Promise<void> {
    const name = (await safeName(key)) + ext;
    // A leading dot and a ".tmp" end keep half-written files out of `*.eml` and `*.json` listings.
    const temp = join(dir, `.${name}.${encodeHex(crypto.getRandomValues(new Uint8Array(6)))}.tmp`);
    try {
      using file = createFile(temp);
      for (let at = 0; at < data.length;) at += file.writeSync(data.subarray(at));
      // Without the sync a power cut after the rename can leave an empty file under the final name. The one
      // slow call (milliseconds): awaited, so the event loop runs meanwhile.
      await file.syncData();
    } catch (error) {
      await Deno.remove(temp).catch(() => {});
      throw new DeliveryError(`Cannot write ${join(dir, name)}: ${message(error)}`, false, undefined, {
        cause: error,
      });
    }
    try {
      Deno.renameSync(temp, join(dir, name));
    } catch (error) {
      await Deno.remove(temp).catch(() => {});
      throw new DeliveryError(`Cannot write ${join(dir, name)}: ${message(error)}`, false, undefined, {
        cause: error,
      });
    }
  }

  return {
    kind: "file",
    async send(key: string, ...args: [Uint8Array, Envelope] | [Target, unknown]): Promise<void> {
      if (args[0] instanceof Uint8Array) return await write(key, ".eml", args[0]);
      const [target, body] = args as [Target, unknown];
      const json = JSON.stringify({ key, target: target.name, url: target.url ?? null, body }, null, 2);
      await write(key, ".json", new TextEncoder().encode(json + "\n"));
    },
  };
}

/**
 * A file name for an idempotency key: letters, digits, "-" and "_" as they are, every other byte as %XX, so
 * that two keys never share a name ("a:b" is "a%3Ab", "a_b" stays). Keys over 150 bytes keep a readable start
 * and end with a SHA-256 prefix (file names are limited to 255 bytes).
 */
export async function safeName(key: string): Promise<string> {
  let name = "";
  for (const b of new TextEncoder().encode(key)) {
    const c = String.fromCharCode(b);
    name += /[A-Za-z0-9_-]/.test(c) ? c : "%" + b.toString(16).toUpperCase().padStart(2, "0");
  }
  if (name.length <= 150) return name || "%";
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key)));
  return `${name.slice(0, 100)}~${encodeHex(digest).slice(0, 32)}`;
}

/** Creates `path`; its folder is made on the first NotFound only (one file operation a message, not two). */
function createFile(path: string): Deno.FsFile {
  const options = { write: true, createNew: true, mode: 0o640 };
  try {
    return Deno.openSync(path, options);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    Deno.mkdirSync(dirname(path), { recursive: true });
    return Deno.openSync(path, options);
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
