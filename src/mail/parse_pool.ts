/**
 * Parsing off the event loop, with a deadline. postal-mime costs ~5 µs a line on this machine (1 MB of short
 * lines: 4.9 s; 1 MB of boundary-like lines: 4.0 s; 10 MB: tens of seconds), and parsed on the event loop
 * such a message stopped lease renewals, claims and every endpoint for that long. Here each message goes to
 * a long-lived Worker (parse_worker.ts); past the deadline the worker is terminated, a fresh one takes its
 * place, and the caller gets a {@linkcode ParseTimeoutError}, which the parse job records like any other
 * unreadable input.
 *
 * Workers run with no permissions: they get bytes by message and return plain data.
 */
import type { ParsedEmail, ParseOptions } from "./parse.ts";
import {
  PARSE_WORKER_NAME,
  PARSE_WORKER_URL,
  type ParseRequest,
  type ParseResponse,
} from "./parse_worker.ts";

/** Parses one raw message; {@linkcode ParsePool.parse} or, in-process, `parseEmail`. */
export type Parser = (raw: Uint8Array, options?: ParseCallOptions) => Promise<ParsedEmail>;

/** Options of one parse. */
export interface ParseCallOptions extends ParseOptions {
  /**
   * The caller gives up the bytes: when `raw` spans its whole ArrayBuffer, that buffer is moved to the
   * worker (detached here) instead of copied. A view into a shared buffer (small Buffers share an 8 KiB
   * pool) is always copied.
   */
  transfer?: boolean;
}

/** Thrown when a message took longer than the deadline to parse; its message is the recorded reason. */
export class ParseTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`Cannot parse message: parsing took longer than ${formatMs(timeoutMs)}`);
    this.name = "ParseTimeoutError";
  }
}

/** Settings of a {@linkcode ParsePool}. */
export interface ParsePoolOptions {
  /** Deadline of one message's parse (PARSE_TIMEOUT). */
  timeoutMs: number;
  /** Workers, each parsing one message at a time. Default 2: both cores of a small instance. */
  size?: number;
}

interface Pending {
  request: ParseRequest;
  transfer: ArrayBuffer[];
  resolve: (parsed: ParsedEmail) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  /** Loaded and listening: a deadline counts parsing, not the start of a worker (~50-300 ms here). */
  ready: boolean;
  busy?: { pending: Pending; timer: ReturnType<typeof setTimeout> };
}

/** A few parse workers, started on first use (or by {@linkcode ParsePool.start}); close it when done. */
export class ParsePool {
  readonly #timeoutMs: number;
  readonly #size: number;
  readonly #slots: Slot[] = [];
  readonly #queue: Pending[] = [];
  #nextId = 1;
  #closed = false;

  constructor(options: ParsePoolOptions) {
    this.#timeoutMs = options.timeoutMs;
    this.#size = Math.max(1, options.size ?? 2);
  }

  /** Starts the workers now (a daemon does at start-up, so the first message does not wait for them). */
  start(): void {
    while (!this.#closed && this.#slots.length < this.#size) this.#slots.push(this.#spawn());
  }

  /** Parses `raw` in a worker; rejects with {@linkcode ParseTimeoutError} past the deadline. */
  parse: Parser = (raw, options = {}) => {
    if (this.#closed) return Promise.reject(new Error("Cannot parse message: the parse pool is closed"));
    const { transfer: give, ...parseOptions } = options;
    const own = give && raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength &&
      raw.buffer instanceof ArrayBuffer;
    const bytes = own ? raw : raw.slice();
    const request: ParseRequest = { id: this.#nextId++, raw: bytes, options: parseOptions };
    return new Promise<ParsedEmail>((resolve, reject) => {
      this.#queue.push({ request, transfer: [bytes.buffer as ArrayBuffer], resolve, reject });
      this.start();
      this.#dispatch();
    });
  };

  /** Terminates the workers; parses in progress or queued are rejected. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const error = new Error("Cannot parse message: the parse pool was closed");
    for (const slot of this.#slots.splice(0)) {
      slot.worker.terminate();
      if (slot.busy) {
        clearTimeout(slot.busy.timer);
        slot.busy.pending.reject(error);
      }
    }
    for (const pending of this.#queue.splice(0)) pending.reject(error);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #spawn(): Slot {
    const worker = new Worker(PARSE_WORKER_URL, {
      type: "module",
      name: PARSE_WORKER_NAME,
      // Needs --unstable-worker-options (deno.json's "unstable", the compile task, the bundle's command line).
      deno: { permissions: "none" },
    } as WorkerOptions);
    const slot: Slot = { worker, ready: false };
    worker.onmessage = ({ data }: MessageEvent<ParseResponse>) => {
      if ("ready" in data) {
        slot.ready = true;
        this.#dispatch();
        return;
      }
      const busy = slot.busy;
      if (!busy || busy.pending.request.id !== data.id) return;
      clearTimeout(busy.timer);
      slot.busy = undefined;
      if ("parsed" in data) busy.pending.resolve(data.parsed);
      else busy.pending.reject(new Error(`Cannot parse message: the parser threw: ${data.error}`));
      this.#dispatch();
    };
    // An error that escapes the worker (it should not: parseEmail catches the parser's) ends that worker;
    // the message fails like any unexpected error (its job is retried) and a fresh worker takes the slot.
    worker.onerror = (event) => {
      event.preventDefault();
      const error = new Error(`Cannot parse message: the parse worker failed: ${event.message}`);
      if (slot.ready) return this.#replace(slot, error);
      // One that cannot even start would fail again at once: no respawn loop. With no worker left the queue
      // fails (its jobs are retried with backoff) and the next parse starts workers afresh.
      slot.worker.terminate();
      this.#slots.splice(this.#slots.indexOf(slot), 1);
      if (this.#slots.length === 0) { for (const pending of this.#queue.splice(0)) pending.reject(error); }
    };
    return slot;
  }

  #dispatch(): void {
    for (const slot of this.#slots) {
      if (slot.busy || !slot.ready) continue;
      const pending = this.#queue.shift();
      if (!pending) return;
      const timer = setTimeout(
        () => this.#replace(slot, new ParseTimeoutError(this.#timeoutMs)),
        this.#timeoutMs,
      );
      slot.busy = { pending, timer };
      slot.worker.postMessage(pending.request, pending.transfer);
    }
  }

  /** Terminates the worker of `slot` (stuck or broken), fails its message and starts a fresh one. */
  #replace(slot: Slot, error: Error): void {
    const index = this.#slots.indexOf(slot);
    if (index < 0) return;
    slot.worker.terminate();
    if (slot.busy) {
      clearTimeout(slot.busy.timer);
      slot.busy.pending.reject(error);
      slot.busy = undefined;
    }
    this.#slots.splice(index, 1);
    if (!this.#closed) {
      this.#slots.push(this.#spawn());
      this.#dispatch();
    }
  }
}

/** 10000 → "10 s", 50 → "50 ms", 90000 → "90 s". */
function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
