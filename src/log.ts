/**
 * JSON-lines logs on stdout (journald keeps them), one stream for every level. Addresses are redacted from
 * messages and properties; callers never pass bodies, secrets or query parameters.
 */
import {
  configure,
  getLogger,
  getStreamSink,
  jsonLinesFormatter,
  type Logger,
  reset,
} from "@logtape/logtape";
import { EMAIL_ADDRESS_PATTERN, redactByPattern } from "@logtape/redaction";

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
        formatter: redactByPattern(jsonLinesFormatter, [EMAIL_ADDRESS_PATTERN]),
      }),
    },
    loggers: [
      { category: ["ses-daemon-bot"], lowestLevel: level, sinks: ["stdout"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["stdout"] },
    ],
  });
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

/** A short, log-safe description of any thrown value (no stack, no query parameters). */
export function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
