/**
 * JSON-lines logs on stdout (journald keeps them), one stream for every level; on a terminal, readable
 * coloured lines instead (`LOG_FORMAT`). Addresses are redacted in linear time (`redact.ts`): from each whole
 * JSON line, and from a record's values before a readable line is coloured. Callers never pass bodies,
 * secrets or query parameters, and cut any text a sender wrote with `clip` (`clip.ts`).
 */
import {
  configure,
  getAnsiColorFormatter,
  getLogger,
  getStreamSink,
  jsonLinesFormatter,
  type Logger,
  type LogRecord,
  reset,
  type TextFormatter,
} from "@logtape/logtape";
import { clip } from "./clip.ts";
import { clearProgressLine } from "./progress.ts";
import { redactEmails } from "./redact.ts";

/**
 * Sets up logging once for the process. The daemon logs to stdout (journald); the other commands to stderr,
 * so that their stdout carries only their output (`status --json`).
 */
export async function setupLogging(
  level: "debug" | "info" | "warning" | "error",
  stream: "stdout" | "stderr" = "stdout",
  format: LogFormat = "auto",
): Promise<void> {
  const file = stream === "stdout" ? Deno.stdout : Deno.stderr;
  const pretty = format === "pretty" || (format === "auto" && file.isTerminal());
  await configure({
    reset: true,
    sinks: {
      stdout: getStreamSink(unclosable(file, pretty), {
        formatter: pretty ? formatPrettyLine : formatLogLine,
      }),
    },
    loggers: [
      { category: ["ses-daemon-bot"], lowestLevel: level, sinks: ["stdout"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["stdout"] },
    ],
  });
}

/** `LOG_FORMAT`: JSON lines, readable lines, or readable on a terminal and JSON otherwise. */
export type LogFormat = "auto" | "json" | "pretty";

/** One record as a JSON line, addresses redacted. */
export function formatLogLine(record: LogRecord): string {
  return redactEmails(jsonLinesFormatter(record));
}

const ansiFormatter: TextFormatter = getAnsiColorFormatter({
  timestamp: "time",
  // Strings as they are, their control characters escaped (a sender's text must not drive the terminal).
  value: "bare",
  category: (c) => c.slice(1).join(".") || c[0],
  format: ({ timestamp, level, category, message, record }) =>
    `${timestamp} ${level} ${category}: ${message}${extraProperties(record)}`,
});

/**
 * One record as a readable, coloured line for a terminal: time, level, part, the message, then the
 * properties the message does not show (`email_id=42`). Addresses are redacted from the record's values
 * before anything is coloured: escape sequences around a value would otherwise hide it from a redaction of
 * the finished line.
 */
export function formatPrettyLine(record: LogRecord): string {
  return ansiFormatter(redactRecord(record));
}

/**
 * The record with every address in its message values and properties redacted, then control characters and
 * bidi overrides escaped (LogTape's "bare" values escape control characters but not U+202E).
 */
function redactRecord(record: LogRecord): LogRecord {
  return {
    ...record,
    message: record.message.map((part, i) => i % 2 === 0 ? part : redactValue(part)),
    properties: redactValue(record.properties) as Record<string, unknown>,
  };
}

function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return escapeControls(redactEmails(value));
  if (value instanceof Error) return escapeControls(redactEmails(`${value.name}: ${value.message}`));
  if (depth > 8 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) {
    return escapeControls(redactEmails(Deno.inspect(value)));
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v, depth + 1)]));
}

/** ` key=value` for each property the message's template does not name, dimmed. */
function extraProperties(record: LogRecord): string {
  const raw = typeof record.rawMessage === "string" ? record.rawMessage : record.rawMessage.join("");
  const shown = new Set([...raw.matchAll(/\{([^{}]+)\}/g)].map((m) => m[1].trim()));
  let out = "";
  for (const [key, value] of Object.entries(record.properties)) {
    if (shown.has(key)) continue;
    const text = typeof value === "string" ? value : Deno.inspect(value, { depth: 3, breakLength: Infinity });
    out += ` \x1b[2m${escapeControls(key)}=\x1b[22m${escapeControls(text)}`;
  }
  return out;
}

/** Control characters and bidi overrides as visible escapes: a value must not move the cursor or recolour. */
function escapeControls(text: string): string {
  return text.replace(
    // deno-lint-ignore no-control-regex -- matching control characters is the point
    /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * The stream sink closes its stream on dispose; stdout and stderr must stay open for the last words. On a
 * terminal, a progress line (progress.ts) is cleared first, so that the log line starts at column 0.
 */
function unclosable(file: typeof Deno.stdout, terminal: boolean): WritableStream<Uint8Array> {
  return new WritableStream({
    async write(chunk) {
      if (terminal) clearProgressLine();
      for (let n = 0; n < chunk.length;) n += await file.write(chunk.subarray(n));
    },
  });
}

/** Flushes and closes the log sinks. */
export async function closeLogging(): Promise<void> {
  await reset();
}

/** The logger of one part of the daemon, e.g. `log("jobs")`. Silent until {@linkcode setupLogging}. */
export function log(...part: string[]): Logger {
  return getLogger(["ses-daemon-bot", ...part]);
}

/**
 * A short, log-safe description of any thrown value (no stack, no query parameters). Also stored as a job's
 * error; an error can quote what a sender wrote, so it is cut (to more than a reason: messages of the
 * database or the AWS SDK can be long and are worth reading whole).
 */
export function errorText(error: unknown): string {
  return clip(error instanceof Error ? `${error.name}: ${error.message}` : String(error), 1000);
}
