/**
 * The parse worker's side: a Worker thread that runs {@linkcode parseEmail} on the bytes it is sent, so that a
 * message that takes seconds to parse (postal-mime costs ~5 µs a short line: 1 MB of them took 4.9 s) holds
 * that thread, not the event loop with its leases, claims and endpoints. The pool is in parse_pool.ts.
 *
 * The worker is started from this module's own URL, which is where this code is in every form the product
 * ships as: src/mail/parse_worker.ts when run from source; the bundle file itself after `deno bundle` (every
 * module is in that one file, so `new URL("./parse_worker.ts", import.meta.url)` would name a file that is
 * not there); the embedded module of `deno compile`'s binary (statically imported, and named with --include
 * as its documentation asks of workers). Loaded as a worker, the module recognises its name and answers
 * messages; src/main.ts does not run the command line there.
 */
import { type ParsedEmail, parseEmail, type ParseOptions } from "./parse.ts";

/** The name the pool gives its workers; the module (or the bundle) behaves as a worker under it. */
export const PARSE_WORKER_NAME = "ses-daemon-bot-parse";

/** What the worker is started from (see the module comment). */
export const PARSE_WORKER_URL: string = import.meta.url;

/** A message to parse. */
export interface ParseRequest {
  id: number;
  raw: Uint8Array;
  options: ParseOptions;
}

/**
 * The answer to one {@linkcode ParseRequest}: the parse, or why it threw (parseEmail is not meant to); or,
 * once at start, that the worker has loaded its modules and is listening.
 */
export type ParseResponse = { id: number; parsed: ParsedEmail } | { id: number; error: string } | {
  ready: true;
};

/** True in the thread of a parse worker (whichever module asks). */
export function isParseWorker(): boolean {
  return "WorkerGlobalScope" in globalThis &&
    (globalThis as { name?: unknown }).name === PARSE_WORKER_NAME;
}

if (isParseWorker()) {
  const scope = globalThis as unknown as {
    onmessage: ((event: MessageEvent<ParseRequest>) => void) | null;
    postMessage: (message: ParseResponse) => void;
  };
  scope.onmessage = async ({ data }) => {
    try {
      scope.postMessage({ id: data.id, parsed: await parseEmail(data.raw, data.options) });
    } catch (error) {
      scope.postMessage({ id: data.id, error: error instanceof Error ? error.message : String(error) });
    }
  };
  scope.postMessage({ ready: true });
}
