/**
 * Progress of a long command (`ingest DIR`, `run --once`, `eval`) as one line on stderr that updates in
 * place: what is done, of how many, and the rate. Only on a terminal: piped or under systemd, stderr gets
 * nothing, so scripts and journald see only the log lines and the command's output.
 */

const encoder = new TextEncoder();

/** The progress line being shown, if any: the log sink clears it before a log line (see log.ts). */
let shown: Progress | undefined;

/** Clears the progress line (if one is shown) so that a log line starts at column 0; it is redrawn later. */
export function clearProgressLine(): void {
  if (shown) shown.clear();
}

/** Options of {@linkcode Progress}. */
export interface ProgressOptions {
  /** Default: whether stderr is a terminal. */
  enabled?: boolean;
  /** Where the line goes; default stderr. */
  write?: (text: string) => void;
  /** Milliseconds between two redraws (default 200): a fast loop must not flood the terminal. */
  everyMs?: number;
  /** The clock, in ms (tests set it). */
  now?: () => number;
}

/** One updating line on a terminal. */
export class Progress {
  readonly enabled: boolean;
  #label: string;
  #write: (text: string) => void;
  #everyMs: number;
  #now: () => number;
  #started: number;
  #drawnAt = -Infinity;
  #last = "";
  #visible = false;
  #done = 0;
  #total: number | undefined;

  constructor(label: string, options: ProgressOptions = {}) {
    this.enabled = options.enabled ?? Deno.stderr.isTerminal();
    this.#label = label;
    this.#write = options.write ?? ((text) => writeAll(encoder.encode(text)));
    this.#everyMs = options.everyMs ?? 200;
    this.#now = options.now ?? (() => performance.now());
    this.#started = this.#now();
  }

  /** Sets what is done (of `total`, when known); redraws at most every `everyMs`. */
  update(done: number, total?: number): void {
    this.#done = done;
    this.#total = total;
    if (!this.enabled) return;
    const now = this.#now();
    if (now - this.#drawnAt < this.#everyMs) return;
    this.#drawnAt = now;
    this.#draw(formatProgress(this.#label, { done, total, elapsedMs: now - this.#started }));
  }

  /** Erases the line (a log line follows; the next update redraws it). */
  clear(): void {
    if (!this.#visible) return;
    this.#write("\r\x1b[2K");
    this.#visible = false;
    this.#drawnAt = -Infinity;
  }

  /** Erases the line for good. */
  end(): void {
    this.clear();
    if (shown === this) shown = undefined;
  }

  /** The last figures (for a summary). */
  get done(): number {
    return this.#done;
  }

  get total(): number | undefined {
    return this.#total;
  }

  #draw(text: string): void {
    if (text === this.#last && this.#visible) return;
    this.#last = text;
    this.#write(`\r\x1b[2K${text}`);
    this.#visible = true;
    shown = this;
  }
}

/** `label 120/500 (24%), 38.5/s`; without a total, `label 120, 38.5/s`. */
export function formatProgress(
  label: string,
  p: { done: number; total?: number; elapsedMs: number },
): string {
  const rate = p.elapsedMs > 0 ? p.done / (p.elapsedMs / 1000) : 0;
  const rateText = `${rate >= 100 ? Math.round(rate) : rate.toFixed(1)}/s`;
  if (p.total === undefined) return `${label} ${p.done}, ${rateText}`;
  const pct = p.total > 0 ? Math.floor((p.done / p.total) * 100) : 100;
  return `${label} ${p.done}/${p.total} (${pct}%), ${rateText}`;
}

function writeAll(bytes: Uint8Array): void {
  for (let n = 0; n < bytes.length;) n += Deno.stderr.writeSync(bytes.subarray(n));
}
