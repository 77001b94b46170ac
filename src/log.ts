/**
 * JSON-lines logs on stdout (journald keeps them), one stream for every level. Addresses are redacted from
 * each whole line, in linear time (`redact.ts`); callers never pass bodies, secrets or query parameters, and
 * cut any text a sender wrote with `clip` (`clip.ts`).
 */
import {
  configure,
  getLogger,
  getStreamSink,
  jsonLinesFormatter,
  type Logger,
  type LogRecord,
  reset,
} from "@logtape/logtape";
import { clip } from "./clip.ts";
import { redactEmails } from "./redact.ts";

/**
 * Sets up logging once for the process. The daemon logs to stdout (journald); the other commands to stderr,
 * so that their stdout carries only their output (`status --json`).
 */
export async function setupLogging(
  level: "debug" | "info" | "warning" | "error",
  stream: "stdout" | "stderr" = "stdout",
): Promise<void> {
  await configure({
    reset: true,
    sinks: {
      stdout: getStreamSink(unclosable(stream === "stdout" ? Deno.stdout : Deno.stderr), {
        formatter: formatLogLine,
      }),
    },
    loggers: [
      { category: ["ses-daemon-bot"], lowestLevel: level, sinks: ["stdout"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["stdout"] },
    ],
  });
}

/** One record as a JSON line, addresses redacted. */
export function formatLogLine(record: LogRecord): string {
  return redactEmails(jsonLinesFormatter(record));
}

/** The stream sink closes its stream on dispose; stdout and stderr must stay open for the last words. */
function unclosable(file: typeof Deno.stdout): WritableStream<Uint8Array> {
  return new WritableStream({
    async write(chunk) {
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
