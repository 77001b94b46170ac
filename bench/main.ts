/**
 * `deno task bench`: job queue against graphile-worker, ingest and end-to-end pipeline throughput, the
 * daemon's memory, and prompt size. Prints tables, or with `--json` one JSON object on stdout; progress goes
 * to stderr. Every measurement uses its own fresh schemas in the PostgreSQL of BENCH_DATABASE_URL (else
 * TEST_DATABASE_URL, else the local server), all dropped at the end. Never part of `deno task test`.
 */
import { parseArgs } from "node:util";
import { TEST_DATABASE_URL } from "../tests/helpers/db.ts";
import { benchConsole } from "./console.ts";
import { rssIdle, rssLargeMessage, rssManyMessages } from "./memory.ts";
import { benchHistory } from "./history.ts";
import { benchE2e, benchIngest } from "./pipeline.ts";
import { formatLearning, measureLearning } from "./learning.ts";
import { benchPrompt } from "./prompt.ts";
import { benchQueue } from "./queue.ts";
import { type BenchReport, bestRatio, formatReport } from "./report.ts";
import { benchSchemas } from "./schemas.ts";

const HELP = `Usage: deno task bench [--json] [--quick] [options]

  --json                      one JSON object on stdout (the tables go to stderr)
  --quick                     small sizes: a smoke run of every part in well under a minute
  --only LIST                 some of: queue,ingest,e2e,memory,prompt,history,console,learning (comma-separated; default all)
  --jobs N                    no-op jobs per queue point (default 20000; quick 1000)
  --local-queue N             graphile-worker localQueue.size (default 500, as in its perfTest)
  --complete-batch-delay MS   graphile-worker completeJobBatchDelay (default 0: batched; -1: off)
  --queue-repeats N           claim+complete runs per queue point and side, median reported (default 3; quick 1)
  --ingest-messages N         messages through s3rver and parse (default 1000; quick 150)
  --ingest-concurrency N      worker concurrency of the parse stage (default 8)
  --e2e-seconds S             end-to-end messages per point: S seconds at the bound (default 5; quick 1)
  --e2e-messages N            messages per end-to-end point at latency 0 (default 200; quick 40)
  --e2e-latencies LIST        LLM latencies of the end-to-end points, ms (default 0,200)
  --e2e-concurrencies LIST    classification concurrencies of the end-to-end points (default 1,8,32)
  --rss-messages N            messages for the peak RSS run (default 10000; quick 1000)
  --rss-concurrency N         WORKER_CONCURRENCY of the daemon in the memory runs (default 16)
  --large-bytes N             size of the large message (default 41877504: 64 KiB under MAX_MESSAGE_BYTES)
  --history N                 also build N processed emails of history by SQL and measure end to end (200 ms,
                              concurrency 32) and claim+complete (concurrency 16) with it against an empty
                              schema (\`--only history --history N\` for that alone)
  --console-emails N          emails seeded for the console pages (default 100000; quick 2000)
  --console-requests N        timed requests per console page (default 60; quick 10)

Environment: BENCH_DATABASE_URL (else TEST_DATABASE_URL, else the local server); BENCH_CPU_PROFILE=FILE
writes a V8 CPU profile of the last end-to-end point's timed run (open it in Chrome DevTools).`;

const PARTS = ["queue", "ingest", "e2e", "memory", "prompt", "history", "console", "learning"] as const;

const { values } = parseArgs({
  args: Deno.args,
  strict: true,
  options: {
    json: { type: "boolean", default: false },
    quick: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
    only: { type: "string", default: PARTS.join(",") },
    jobs: { type: "string" },
    "local-queue": { type: "string", default: "500" },
    "complete-batch-delay": { type: "string", default: "0" },
    "queue-repeats": { type: "string" },
    "ingest-messages": { type: "string" },
    "ingest-concurrency": { type: "string", default: "8" },
    "e2e-seconds": { type: "string" },
    "e2e-messages": { type: "string" },
    "e2e-latencies": { type: "string", default: "0,200" },
    "e2e-concurrencies": { type: "string", default: "1,8,32" },
    "rss-messages": { type: "string" },
    "rss-concurrency": { type: "string", default: "16" },
    "large-bytes": { type: "string", default: String(41_943_040 - 65_536) },
    history: { type: "string", default: "0" },
    "console-emails": { type: "string" },
    "console-requests": { type: "string" },
  },
});
if (values.help) {
  console.log(HELP);
  Deno.exit(0);
}

/** A numeric flag, its default depending on --quick. */
function num(name: keyof typeof values, full?: number, quick?: number, min = 0): number {
  const text = values[name] as string | undefined;
  const n = text === undefined ? (values.quick ? quick! : full!) : Number(text);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number of at least ${min}`);
  return n;
}

/** A comma-separated list of numbers, each at least `min`. */
function list(name: keyof typeof values, min: number): number[] {
  const items = (values[name] as string).split(",").map((t) => Number(t.trim()));
  if (items.length === 0 || items.some((n) => !Number.isFinite(n) || n < min)) {
    throw new Error(`--${name} must be a comma-separated list of numbers of at least ${min}`);
  }
  return items;
}

const only = new Set(values.only.split(",").map((p) => p.trim()));
for (const p of only) {
  if (!PARTS.includes(p as never)) throw new Error(`--only: unknown part "${p}"; parts: ${PARTS.join(",")}`);
}
const settings = {
  jobs: num("jobs", 20_000, 1000, 1),
  localQueue: num("local-queue", undefined, undefined, 1),
  completeBatchDelay: num("complete-batch-delay", undefined, undefined, -1),
  queueRepeats: num("queue-repeats", 3, 1, 1),
  ingestMessages: num("ingest-messages", 1000, 150, 1),
  ingestConcurrency: num("ingest-concurrency", undefined, undefined, 1),
  e2eSeconds: num("e2e-seconds", 5, 1),
  e2eMessages: num("e2e-messages", 200, 40, 1),
  e2eLatencies: list("e2e-latencies", 0),
  e2eConcurrencies: list("e2e-concurrencies", 1),
  rssMessages: num("rss-messages", 10_000, 1000, 1),
  rssConcurrency: num("rss-concurrency", undefined, undefined, 1),
  largeBytes: num("large-bytes", undefined, undefined, 1024),
  history: num("history", undefined, undefined, 0),
  consoleEmails: num("console-emails", 100_000, 2000, 200),
  consoleRequests: num("console-requests", 60, 10, 1),
  graphile: "",
};
settings.graphile = `0.18.0: localQueue.size ${settings.localQueue}, prepared statements, ` +
  `completeJobBatchDelay ${settings.completeBatchDelay}`;

const url = Deno.env.get("BENCH_DATABASE_URL") ?? TEST_DATABASE_URL;
const progress = (line: string) => console.error(`bench: ${line}`);
const started = performance.now();
const report: BenchReport = {
  queue: null,
  queue_enqueue: null,
  queue_best_ratio: null,
  ingest_msgs_per_s: null,
  ingest: null,
  e2e: null,
  rss_mb_10k: null,
  rss_mb_40mb_message: null,
  rss: { idle: null, many: null, large: null },
  median_prompt_tokens: null,
  median_full_body_tokens: null,
  prompt: null,
  history: null,
  console: null,
  settings,
  seconds: 0,
};

await using schemas = benchSchemas(url);
// Ctrl-C: drop this run's schemas before leaving.
const onInterrupt = () => {
  schemas[Symbol.asyncDispose]().finally(() => Deno.exit(130));
};
Deno.addSignalListener("SIGINT", onInterrupt);

if (only.has("prompt")) {
  report.prompt = await benchPrompt();
  report.median_prompt_tokens = report.prompt.median_prompt_tokens;
  report.median_full_body_tokens = report.prompt.median_full_body_tokens;
  progress(`prompt: median ${report.median_prompt_tokens} vs ${report.median_full_body_tokens} tokens`);
}
if (only.has("learning")) {
  const learning = await measureLearning(new URL("../../shared/corpus/dev/", import.meta.url).pathname, {
    database: true,
  });
  report.learning = learning;
  progress(formatLearning(learning));
}
if (only.has("queue")) {
  const q = await benchQueue({
    url,
    schemas,
    jobs: settings.jobs,
    concurrencies: [1, 4, 16],
    localQueueSize: settings.localQueue,
    completeBatchDelay: settings.completeBatchDelay,
    repeats: settings.queueRepeats,
    progress,
  });
  report.queue = q.run;
  report.queue_enqueue = q.enqueue;
  report.queue_best_ratio = bestRatio(q.run);
}
if (only.has("ingest")) {
  report.ingest = await benchIngest({
    url,
    schemas,
    messages: settings.ingestMessages,
    concurrency: settings.ingestConcurrency,
  });
  report.ingest_msgs_per_s = report.ingest.msgs_per_s;
  progress(`ingest: ${report.ingest_msgs_per_s} msgs/s`);
}
if (only.has("e2e")) {
  report.e2e = await benchE2e({
    url,
    schemas,
    latencies: settings.e2eLatencies,
    concurrencies: settings.e2eConcurrencies,
    seconds: settings.e2eSeconds,
    zeroLatencyMessages: settings.e2eMessages,
    progress,
  });
}
if (only.has("memory")) {
  const o = { url, schemas, concurrency: settings.rssConcurrency };
  report.rss.idle = await rssIdle(o);
  progress(`memory: ${report.rss.idle.peak_mb} MiB with an empty inbox`);
  report.rss.large = {
    ...await rssLargeMessage({ ...o, bytes: settings.largeBytes }),
    bytes: settings.largeBytes,
  };
  report.rss_mb_40mb_message = report.rss.large.peak_mb;
  progress(`memory: ${report.rss_mb_40mb_message} MiB for one large message`);
  report.rss.many = await rssManyMessages({ ...o, messages: settings.rssMessages });
  report.rss_mb_10k = report.rss.many.peak_mb;
  progress(`memory: ${report.rss_mb_10k} MiB for ${settings.rssMessages} messages`);
}
if (only.has("history") && settings.history > 0) {
  report.history = await benchHistory({
    url,
    schemas,
    emails: settings.history,
    latencyMs: 200,
    concurrency: 32,
    e2eSeconds: settings.e2eSeconds,
    queueJobs: settings.jobs,
    queueConcurrency: 16,
    queueRepeats: settings.queueRepeats,
    progress,
  });
}
if (only.has("console")) {
  report.console = await benchConsole({
    url,
    schemas,
    emails: settings.consoleEmails,
    requests: settings.consoleRequests,
    progress,
  });
}
Deno.removeSignalListener("SIGINT", onInterrupt);
report.seconds = Math.round((performance.now() - started) / 100) / 10;
if (values.json) {
  // The tables too, on stderr with the progress: one run gives both.
  console.error(formatReport(report));
  console.log(JSON.stringify(report));
} else {
  console.log(formatReport(report));
}
