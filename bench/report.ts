/** The bench's results as one object (`--json`) and as tables for a person. */
import type { ConsoleResult } from "./console.ts";
import type { RssResult } from "./memory.ts";
import type { HistoryResult } from "./history.ts";
import type { E2ePoint, IngestResult } from "./pipeline.ts";
import type { LearningReport } from "./learning.ts";
import type { PromptResult } from "./prompt.ts";
import type { QueuePoint, QueueRunPoint } from "./queue.ts";

/** Everything one run measured; a part left out with `--only` is null. */
export interface BenchReport {
  /** Claim+complete throughput. */
  queue: QueueRunPoint[] | null;
  queue_enqueue: QueuePoint[] | null;
  /** Our best claim+complete rate over graphile-worker's best (the goal: at least 1). */
  queue_best_ratio: number | null;
  ingest_msgs_per_s: number | null;
  ingest: IngestResult | null;
  e2e: E2ePoint[] | null;
  rss_mb_10k: number | null;
  rss_mb_40mb_message: number | null;
  /** idle: the same daemon run over an empty inbox (its baseline). */
  rss: { idle: RssResult | null; many: RssResult | null; large: (RssResult & { bytes: number }) | null };
  median_prompt_tokens: number | null;
  median_full_body_tokens: number | null;
  prompt: PromptResult | null;
  /** With `--history N`: the rates with N emails of history over an empty database (goal: at least 0.9). */
  history: HistoryResult | null;
  /** The review console's pages over a seeded database, and the RSS it adds to the daemon. */
  console: ConsoleResult | null;
  /** Learning from people: the dev corpus halves taught by each other (bench/learning.ts). */
  learning?: LearningReport | null;
  settings: Record<string, unknown>;
  seconds: number;
}

/** The report as text tables. */
export function formatReport(r: BenchReport): string {
  const out: string[] = [];
  const s = r.settings;
  if (r.queue && r.queue_enqueue) {
    out.push(
      `Job queue: no-op jobs, ${s.jobs} per point; graphile-worker ${s.graphile}`,
      ...table(
        ["concurrency", "enqueue ours", "graphile", "ratio", "run ours", "graphile", "ratio", "our SQL x100"],
        r.queue.map((q, i) => {
          const e = r.queue_enqueue![i];
          return [
            q.concurrency,
            e.ours_jobs_per_s,
            e.graphile_jobs_per_s,
            e.ratio,
            q.ours_jobs_per_s,
            q.graphile_jobs_per_s,
            q.ratio,
            q.ours_sql_batch100_jobs_per_s,
          ];
        }),
      ),
      `(jobs/s; run = claim+complete, ${
        s.queueRepeats === 1
          ? "one run a side"
          : `the median of ${s.queueRepeats} runs a side; enqueue: one run`
      }; our SQL x100 = claim_jobs.sql ` +
        "100 at a time + one UPDATE per batch)",
      `best concurrency against best: ${r.queue_best_ratio}`,
      "",
    );
  }
  if (r.ingest) {
    const i = r.ingest;
    out.push(
      `Ingest: ${i.messages} messages from s3rver through the S3 source and the parse job: ` +
        `${i.msgs_per_s} msgs/s (poll+store ${i.poll_msgs_per_s}, parse ${i.parse_msgs_per_s})`,
      "",
    );
  }
  if (r.e2e) {
    out.push(
      "End to end: parse, classify (local fake LLM), route, deliver (file transport); bound = concurrency / latency",
      ...table(
        [
          "LLM latency ms",
          "concurrency",
          "msgs/s",
          "bound",
          "ratio",
          "classify stage",
          "messages",
          "CPU ms/msg: bench",
          "postgres",
          "LLM",
        ],
        r.e2e.map((p) => [
          p.llm_latency_ms,
          p.concurrency,
          p.msgs_per_s,
          p.bound_msgs_per_s ?? "∞",
          p.ratio ?? "-",
          p.classify_msgs_per_s,
          p.messages,
          p.cpu_ms_per_msg.bench ?? "-",
          p.cpu_ms_per_msg.postgres ?? "-",
          p.cpu_ms_per_msg.llm ?? "-",
        ]),
      ),
      "(CPU ms/msg: user + system CPU of the timed run over its messages; bench = the daemon's worker and " +
        "ingest in the bench's process; postgres = every local postgres process)",
      "",
    );
  }
  if (r.rss.many || r.rss.large) {
    out.push(`Memory: peak RSS (VmHWM) of the daemon, run --once, WORKER_CONCURRENCY=${s.rssConcurrency}`);
    const rows: (string | number)[][] = [];
    if (r.rss.idle) rows.push(["empty inbox (baseline)", r.rss.idle.peak_mb, r.rss.idle.seconds]);
    if (r.rss.many) rows.push([`${r.rss.many.messages} messages`, r.rss.many.peak_mb, r.rss.many.seconds]);
    if (r.rss.large) {
      const mb = (r.rss.large.bytes / 2 ** 20).toFixed(1);
      rows.push([`one ${mb} MiB message`, r.rss.large.peak_mb, r.rss.large.seconds]);
    }
    out.push(...table(["input", "peak MiB", "seconds"], rows), "");
  }
  if (r.prompt) {
    const p = r.prompt;
    out.push(
      `Prompt size: estimated tokens per message sent to the model (${p.messages} corpus messages)`,
      ...table(["", "own text (ours)", "whole body"], [
        ["median", p.median_prompt_tokens, p.median_full_body_tokens],
        ["p90", p.p90_prompt_tokens, p.p90_full_body_tokens],
        ["total", p.total_prompt_tokens, p.total_full_body_tokens],
      ]),
      "",
    );
  }
  if (r.history) {
    const h = r.history;
    out.push(
      `History: ${h.emails} processed emails built by SQL in ${h.build_seconds} s; with history / empty`,
      ...table(["", "with history", "empty", "ratio"], [
        [
          "end to end msgs/s (200 ms, c=32)",
          h.e2e_history_msgs_per_s.join(" / "),
          h.e2e_empty_msgs_per_s.join(" / "),
          h.e2e_ratio,
        ],
        [
          "claim+complete jobs/s (c=16)",
          h.queue_history_runs.join(" / "),
          h.queue_empty_runs.join(" / "),
          h.queue_ratio,
        ],
      ]),
      `bytes on disk per email: ${Object.entries(h.bytes_per_email).map(([t, b]) => `${t} ${b}`).join(", ")}`,
      "",
    );
  }
  if (r.console) {
    const c = r.console;
    out.push(
      `Console: ${c.emails} emails (seeded in ${c.seed_seconds} s), ${c.requests_per_page} requests per page, ` +
        "round trip ms (query + render)",
      ...table(
        ["page", "median", "p95", "status"],
        Object.entries(c.pages).map(([name, p]) => [name, p.median_ms, p.p95_ms, p.status]),
      ),
      `RSS the console adds to the daemon: ${c.rss_added_mb} MiB (${c.rss_mb.console_on} on, ` +
        `${c.rss_mb.console_off} off)`,
      "",
    );
  }
  out.push(`Took ${r.seconds} s.`);
  return out.join("\n");
}

function table(headers: string[], rows: (string | number)[][]): string[] {
  const cells = [headers, ...rows.map((row) => row.map((c) => typeof c === "number" ? fmt(c) : c))];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  return cells.map((row) =>
    "  " + row.map((c, i) => i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])).join("  ")
  );
}

function fmt(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString("en-US") : String(n);
}

/** Our best claim+complete rate over graphile-worker's best (the goal: at least 1). */
export function bestRatio(points: QueueRunPoint[]): number {
  const best = (f: (q: QueueRunPoint) => number) => Math.max(...points.map(f));
  return Math.round((best((q) => q.ours_jobs_per_s) / best((q) => q.graphile_jobs_per_s)) * 100) / 100;
}
