/**
 * The daemon: polls the source every POLL_INTERVAL and runs jobs until told to stop. The first SIGTERM or
 * SIGINT stops polling and claiming and lets running jobs finish within SHUTDOWN_TIMEOUT; a second one stops
 * at once. Either way, leases make any job cut short safe: it runs again after its lease expires.
 */
import { createSource, jobHandlers, openDatabase } from "./app.ts";
import type { Config } from "./config.ts";
import { Worker } from "./jobs/worker.ts";
import { errorText, log } from "./log.ts";
import { pollSource, type PollSummary } from "./mail/ingest.ts";

const logger = log("daemon");

/** Options of {@linkcode runDaemon}. */
export interface DaemonOptions {
  /** Ingest what the source has, run every runnable job, and return. */
  once: boolean;
  /** Called on a second stop signal: the process must end now. */
  exitNow: (code: number) => void;
}

/** Runs the daemon; resolves when it has stopped. */
export async function runDaemon(config: Config, options: DaemonOptions): Promise<PollSummary> {
  const db = await openDatabase(config);
  const source = createSource(config);
  const workerId = `${Deno.hostname()}:${Deno.pid}:${crypto.randomUUID().slice(0, 8)}`;
  const worker = new Worker(db, await jobHandlers(config), {
    workerId,
    concurrency: config.workerConcurrency,
    leaseMs: config.jobLeaseMs,
    pollMs: config.pollIntervalMs,
  });
  const ingest = {
    maxMessageBytes: config.maxMessageBytes,
    jobMaxAttempts: config.jobMaxAttempts,
    concurrency: Math.min(config.workerConcurrency, 16),
  };
  const total: PollSummary = { stored: 0, known: 0, oversize: 0, errors: 0 };
  const add = (s: PollSummary) => {
    for (const k of Object.keys(total) as (keyof PollSummary)[]) total[k] += s[k];
  };
  logger.info("Starting {workerId}: source {source}, database {database}, concurrency {concurrency}", {
    workerId,
    source: source.description,
    database: db.kind === "pglite" ? `embedded (${config.dataDir})` : "postgres",
    concurrency: config.workerConcurrency,
  });

  try {
    if (options.once) {
      add(await pollSource(db, source, ingest));
      await worker.drain();
      logger.info("Done: {stored} stored, {known} already known, {oversize} oversize, {errors} errors", {
        ...total,
      });
      return total;
    }

    const stop = new AbortController();
    let signals = 0;
    const onSignal = (name: string) => () => {
      signals++;
      if (signals === 1) {
        logger.info("{signal}: stopping; draining running jobs for up to {ms} ms", {
          signal: name,
          ms: config.shutdownTimeoutMs,
        });
        stop.abort();
      } else {
        logger.warn("{signal} again: exiting now; leases will return unfinished jobs to the queue", {
          signal: name,
        });
        worker.abort();
        options.exitNow(1);
      }
    };
    const handlers = (["SIGTERM", "SIGINT"] as const).map((sig) => [sig, onSignal(sig)] as const);
    for (const [sig, fn] of handlers) Deno.addSignalListener(sig, fn);

    await worker.start();
    while (!stop.signal.aborted) {
      try {
        const summary = await pollSource(db, source, ingest);
        add(summary);
        if (summary.stored > 0) worker.notify();
      } catch (error) {
        logger.error("Cannot list {source}; trying again in {ms} ms: {error}", {
          source: source.description,
          ms: config.pollIntervalMs,
          error: errorText(error),
        });
      }
      await abortableSleep(config.pollIntervalMs, stop.signal);
    }
    await worker.stop(config.shutdownTimeoutMs);
    for (const [sig, fn] of handlers) Deno.removeSignalListener(sig, fn);
    logger.info("Stopped");
    return total;
  } finally {
    await db.close();
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
