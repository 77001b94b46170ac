/**
 * The operator's HTTP listener (METRICS_ADDR): `/healthz` answers 200 when the database answers and every
 * source was read recently, 503 with the reason otherwise; `/metrics` is the Prometheus exposition.
 */
import type { Db } from "./db/client.ts";
import jobGaugesSql from "../sql/queries/status/job_gauges.sql" with { type: "text" };
import { countDispositions, DISPOSITIONS } from "./db/status.ts";
import { countSuppressions } from "./db/feedback.ts";
import { type Gauge, renderMetrics } from "./metrics.ts";
import { withTimeout } from "./timeout.ts";

/** What the health check knows of the sources. */
export interface SourceHealth {
  description: string;
  /** When the source was last read successfully (ms since epoch), or undefined before the first read. */
  lastSuccess(): number | undefined;
  /** How long without a successful read is still healthy. */
  staleAfterMs: number;
}

/** Starts the listener on `addr` ("host:port"). */
export function startHealthServer(
  addr: string,
  deps: { db: Db; sources: SourceHealth[]; startedAt?: number },
): Deno.HttpServer<Deno.NetAddr> {
  const [hostname, port] = [
    addr.slice(0, addr.lastIndexOf(":")),
    Number(addr.slice(addr.lastIndexOf(":") + 1)),
  ];
  const startedAt = deps.startedAt ?? Date.now();
  return Deno.serve({ hostname, port, onListen: () => {} }, async (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/healthz") {
      const problems = await healthProblems(deps, startedAt);
      return new Response(problems.length === 0 ? "ok\n" : problems.join("\n") + "\n", {
        status: problems.length === 0 ? 200 : 503,
        headers: { "content-type": "text/plain; charset=utf-8" },
      });
    }
    if (path === "/metrics") {
      let gauges: Gauge[] = [];
      try {
        gauges = [
          ...await jobGauges(deps.db),
          ...await dispositionGauges(deps.db),
          await suppressionGauge(deps.db),
        ];
      } catch { /* the counters are still worth serving; /healthz reports the database */ }
      return new Response(renderMetrics(gauges), {
        headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
      });
    }
    return new Response("not found: try /healthz or /metrics\n", { status: 404 });
  });
}

async function healthProblems(
  deps: { db: Db; sources: SourceHealth[] },
  startedAt: number,
): Promise<string[]> {
  const problems: string[] = [];
  try {
    await withTimeout(deps.db.query("SELECT 1"), 3000, "no answer within 3 s");
  } catch (error) {
    problems.push(`database: ${error instanceof Error ? error.message : String(error)}`);
  }
  const now = Date.now();
  for (const s of deps.sources) {
    const last = s.lastSuccess() ?? startedAt;
    if (now - last > s.staleAfterMs) {
      problems.push(
        `source ${s.description}: not read successfully for ${Math.round((now - last) / 1000)} s`,
      );
    }
  }
  return problems;
}

async function jobGauges(db: Db): Promise<Gauge[]> {
  const { rows } = await db.query<{ state: string; count: number; oldest_runnable_s: number }>(jobGaugesSql);
  const states = ["pending", "running", "done", "failed"];
  return [
    {
      name: "ses_daemon_bot_jobs",
      help: "Jobs by state (all instances).",
      values: states.map((state) => ({
        labels: { state },
        value: rows.find((r) => r.state === state)?.count ?? 0,
      })),
    },
    {
      name: "ses_daemon_bot_oldest_runnable_job_age_seconds",
      help: "Age of the oldest job that could run now (0 when none waits).",
      values: [{ labels: {}, value: rows.find((r) => r.state === "pending")?.oldest_runnable_s ?? 0 }],
    },
  ];
}

/** The suppression list's size, by what put each address there. */
async function suppressionGauge(db: Db): Promise<Gauge> {
  const rows = await countSuppressions(db);
  return {
    name: "ses_daemon_bot_suppressed_addresses",
    help: "Addresses on the suppression list, by source (complaint, permanent_bounce, soft_bounces, manual).",
    values: ["complaint", "permanent_bounce", "soft_bounces", "manual"].map((source) => ({
      labels: { source },
      value: rows.find((r) => r.source === source)?.count ?? 0,
    })),
  };
}

async function dispositionGauges(db: Db): Promise<Gauge[]> {
  const rows = await countDispositions(db);
  return [
    {
      name: "ses_daemon_bot_emails",
      help:
        "Emails by disposition: answered (automatic reply delivered), with_person (hand-off or CRM task " +
        "delivered), filtered (automated, spam, virus), pending (none of them yet).",
      values: DISPOSITIONS.map((disposition) => ({
        labels: { disposition },
        value: rows.find((r) => r.disposition === disposition)?.count ?? 0,
      })),
    },
    {
      name: "ses_daemon_bot_oldest_pending_email_age_seconds",
      help: "Age of the oldest email that is neither answered, with a person nor filtered (0 when none).",
      values: [{ labels: {}, value: rows.find((r) => r.disposition === "pending")?.oldest_pending_s ?? 0 }],
    },
  ];
}
