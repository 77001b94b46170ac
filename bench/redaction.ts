/**
 * `deno run bench/redaction.ts`: time to format one log line whose property is N letters without "@" (the
 * shape of a hostile header name), with LogTape's EMAIL_ADDRESS_PATTERN (quadratic) and with this daemon's
 * redaction (linear). Issue 13 item 1; not part of `deno task bench`.
 */
import { jsonLinesFormatter, type LogRecord } from "@logtape/logtape";
import { EMAIL_ADDRESS_PATTERN, redactByPattern } from "@logtape/redaction";
import { formatLogLine } from "../src/log.ts";

const logtape = redactByPattern(jsonLinesFormatter, [EMAIL_ADDRESS_PATTERN]);
const sizes = Deno.args.length ? Deno.args.map(Number) : [40_000, 200_000];
for (const size of sizes) {
  const record: LogRecord = {
    category: ["bench"],
    level: "info",
    timestamp: Date.now(),
    message: ["m"],
    rawMessage: "m",
    properties: { reason: `header:list-${"a".repeat(size)}` },
  };
  const times = [logtape, formatLogLine].map((format) => {
    const start = performance.now();
    format(record);
    return Math.round(performance.now() - start);
  });
  console.log(`${size} letters without @: LogTape pattern ${times[0]} ms, linear ${times[1]} ms`);
}
