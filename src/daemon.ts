/**
 * The daemon: polls the source every POLL_INTERVAL and runs jobs until told to stop. The first SIGTERM or
 * SIGINT stops polling and claiming and lets running jobs finish within SHUTDOWN_TIMEOUT; a second one stops
 * at once. Either way, leases make any job cut short safe: it runs again after its lease expires.
 */
import {
  AWS_MODULES,
  createFeedbackQueue,
  createSources,
  jobHandlers,
  openDatabase,
  type PolledSource,
  stagePools,
  suppressionRules,
} from "./app.ts";
import { snsFeedbackHandler } from "./feedback/ingest.ts";
import type { Db } from "./db/client.ts";
import { type Config, configWarnings } from "./config.ts";
import { Worker } from "./jobs/worker.ts";
import { watchDrain } from "./jobs/drain_progress.ts";
import { Progress } from "./progress.ts";
import { startHealthServer } from "./health_server.ts";
import { startConfiguredConsole } from "./console/start.ts";
import { errorText, log } from "./log.ts";
import { count } from "./metrics.ts";
import { databaseDown, databaseRetryMs, pollSource, type PollSummary } from "./mail/ingest.ts";
import { ParsePool } from "./mail/parse_pool.ts";
import { RawHandoff } from "./mail/raw_handoff.ts";
import type { startSnsIngest } from "./mail/sns_ingest.ts";
import { originalCheck } from "./retention/originals.ts";
import { startRetention } from "./retention/retention.ts";

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
  // Parsing runs in worker threads with a deadline (parse_pool.ts); terminated in the finally below.
  using parsePool = new ParsePool({ timeoutMs: config.parseTimeoutMs });
  const sources = await createSources(config);
  const feedback = await createFeedbackQueue(config, db);
  const feedbackLog = log("feedback");
  const workerId = `${Deno.hostname()}:${Deno.pid}:${crypto.randomUUID().slice(0, 8)}`;
  // What ingest stores, its parse jobs here take without reading it back.
  const handoff = new RawHandoff();
  const worker = new Worker(db, await jobHandlers(config, { handoff, parser: parsePool.parse }), {
    workerId,
    concurrency: config.workerConcurrency,
    pools: stagePools(config.workerConcurrency),
    leaseMs: config.jobLeaseMs,
    pollMs: config.pollIntervalMs,
    backoffMs: config.jobBackoffMs,
  });
  const ingest = {
    maxMessageBytes: config.maxMessageBytes,
    jobMaxAttempts: config.jobMaxAttempts,
    concurrency: Math.min(config.workerConcurrency, 16),
    handoff,
  };
  const total: PollSummary = { stored: 0, known: 0, oversize: 0, rejected: 0, errors: 0 };
  const add = (s: PollSummary) => {
    for (const k of Object.keys(total) as (keyof PollSummary)[]) total[k] += s[k];
  };
  logger.info("Starting {workerId}: sources {sources}, database {database}, concurrency {concurrency}", {
    workerId,
    sources: sources.map((s) => s.source.description),
    database: db.kind === "pglite" ? `embedded (${config.dataDir})` : "postgres",
    concurrency: config.workerConcurrency,
  });
  for (const warning of configWarnings(config)) logger.warn("Configuration: {warning}", { warning });

  try {
    // Started now, not at the first message: that one does not wait for them, and a runtime that cannot
    // start them (a bundle run without --unstable-worker-options) stops here, before any job is claimed.
    parsePool.start();
    if (options.once) {
      // On a terminal: "jobs done 120/480 (25%), 38.5/s" on stderr while the inbox is read and drained.
      const watch = watchDrain(db, worker, new Progress("jobs done"));
      try {
        for (const { source, intervalMs } of sources) {
          // A queue is read until a long poll comes back empty; a listing once.
          for (;;) {
            const summary = await pollSource(db, source, ingest);
            add(summary);
            if (intervalMs > 0 || summary.stored + summary.known + summary.rejected + summary.errors === 0) {
              break;
            }
          }
        }
        await worker.drain();
        if (feedback) {
          await (await feedbackQueueModule()).runFeedbackQueue(feedback, {
            db,
            once: true,
            log: feedbackLog,
          });
        }
        await worker.drain();
      } finally {
        await watch.stop();
      }
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

    // Imported before the worker starts: a failed import must not leave it running.
    const startSns = config.snsListenAddr ? await snsStarter() : undefined;
    // Before the worker: a console that cannot listen (port taken) stops the start with nothing running.
    const review = await startConfiguredConsole(config, db);
    await worker.start();
    const lastSuccess = new Map<PolledSource, number>();
    let feedbackRead: number | undefined;
    const health = config.metricsAddr
      ? startHealthServer(config.metricsAddr, {
        db,
        sources: sources.map((s) => ({
          description: s.source.description,
          lastSuccess: () => lastSuccess.get(s),
          // A few missed polls, or a long poll (20 s) and its retry, before the source counts as stale.
          staleAfterMs: Math.max(3 * s.intervalMs, 90_000),
        })).concat(
          feedback
            ? [{ description: feedback.description, lastSuccess: () => feedbackRead, staleAfterMs: 90_000 }]
            : [],
        ),
      })
      : undefined;
    const sns = startSns && config.snsListenAddr
      ? startSns(db, config.awsRegion, config.s3Endpoint, {
        addr: config.snsListenAddr,
        topicArns: config.snsTopicArns,
        feedbackTopicArns: config.sesFeedbackTopicArns,
        onFeedback: snsFeedbackHandler(db, { rules: suppressionRules(config), log: feedbackLog }),
        requestTimeoutMs: config.snsRequestTimeoutMs,
        maxInFlight: config.snsMaxInFlight,
        region: config.awsRegion,
        s3Endpoint: config.s3Endpoint,
        sesPrefix: config.sesPrefix,
        processedPrefix: config.s3ProcessedPrefix,
        afterIngest: config.s3AfterIngest,
        maxMessageBytes: config.maxMessageBytes,
        jobMaxAttempts: config.jobMaxAttempts,
        onStored: () => worker.notify(),
      })
      : undefined;
    if (sns) logger.info("SNS endpoint on {addr}", { addr: hostPort(sns.addr) });
    if (health) {
      logger.info("Health and metrics on http://{addr}/healthz and /metrics", {
        addr: hostPort(health.addr),
      });
    }
    // Bounded storage: at most one daemon runs it at a time, hourly (see retention.ts).
    const retention = startRetention(db, {
      workerId,
      jobsMs: config.retentionJobsMs,
      rawMs: config.retentionRawMs,
      originals: originalCheck(async () => {
        const [{ createS3Client }, { s3Head }] = await Promise.all([
          AWS_MODULES.s3(),
          import("./retention/s3_head.ts"),
        ]);
        return s3Head(createS3Client({ region: config.awsRegion, endpoint: config.s3Endpoint }));
      }),
      signal: stop.signal,
    });
    await Promise.all([
      retention,
      ...sources.map((s) =>
        pollLoop(db, s, {
          ...ingest,
          signal: stop.signal,
          onStored: () => worker.notify(),
          add,
          onSuccess: () => lastSuccess.set(s, Date.now()),
        })
      ),
      ...(feedback
        ? [
          feedbackQueueModule().then(({ runFeedbackQueue }) =>
            runFeedbackQueue(feedback, {
              db,
              signal: stop.signal,
              log: feedbackLog,
              onSuccess: () => feedbackRead = Date.now(),
            })
          ),
        ]
        : []),
      // With only the SNS endpoint there is nothing to poll: wait for the stop signal.
      new Promise((resolve) => stop.signal.addEventListener("abort", resolve, { once: true })),
    ]);
    // The endpoint first: requests in progress finish (their rows committed, or SNS retries them).
    await sns?.shutdown();
    await worker.stop(config.shutdownTimeoutMs);
    await health?.shutdown();
    await review?.shutdown();
    for (const [sig, fn] of handlers) Deno.removeSignalListener(sig, fn);
    logger.info("Stopped");
    return total;
  } finally {
    await db.close();
  }
}

/** Polls one source until `signal` aborts; a failing source is logged and tried again, never fatal. */
async function pollLoop(
  db: Db,
  { source, intervalMs }: PolledSource,
  options: Parameters<typeof pollSource>[2] & {
    signal: AbortSignal;
    onStored: () => void;
    add: (s: PollSummary) => void;
    onSuccess: () => void;
  },
): Promise<void> {
  let failures = 0;
  let dbFailures = 0;
  while (!options.signal.aborted) {
    // Read nothing the database cannot take: see databaseDown.
    const down = await databaseDown(db);
    if (down !== undefined) {
      const ms = databaseRetryMs(++dbFailures);
      logger.error("The database does not answer; not reading {source} for {ms} ms: {error}", {
        source: source.description,
        ms,
        error: down,
      });
      await abortableSleep(ms, options.signal);
      continue;
    }
    if (dbFailures > 0) {
      logger.info("The database answers again; reading {source}", { source: source.description });
    }
    dbFailures = 0;
    let pause = intervalMs;
    try {
      const summary = await pollSource(db, source, options);
      options.add(summary);
      options.onSuccess();
      count(
        "ses_daemon_bot_messages_ingested_total",
        "Messages stored, by source.",
        { source: source.kind },
        summary.stored,
      );
      if (summary.stored > 0) options.onStored();
      failures = 0;
    } catch (error) {
      failures++;
      // A queue polled back to back must not spin on an outage: back off up to a minute.
      pause = Math.max(intervalMs, Math.min(60_000, 1_000 * 2 ** Math.min(failures, 6)));
      logger.error("Cannot read {source}; trying again in {ms} ms: {error}", {
        source: source.description,
        ms: pause,
        error: errorText(error),
      });
    }
    if (pause > 0) await abortableSleep(pause, options.signal);
  }
}

function hostPort(addr: Deno.NetAddr): string {
  return `${addr.hostname}:${addr.port}`;
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

/** Starts the SNS endpoint, with the AWS SDK modules it needs imported first (see AWS_MODULES). */
async function snsStarter(): Promise<
  (
    db: Db,
    region: string,
    endpoint: string | undefined,
    options: Parameters<typeof startSnsIngest>[2],
  ) => ReturnType<typeof startSnsIngest>
> {
  const [{ startSnsIngest: start }, { createS3Client }] = await Promise.all([
    AWS_MODULES.sns(),
    AWS_MODULES.s3(),
  ]);
  return (db, region, endpoint, options) => start(db, createS3Client({ region, endpoint }), options);
}

/**
 * The SES feedback queue's reader, loaded only when a queue is configured: a static import would evaluate the
 * AWS SQS client at start in every context of the single-file bundle, the parse workers too, which have no
 * environment access (the bundle smoke test failed with NotCapable on AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA).
 */
function feedbackQueueModule(): Promise<typeof import("./feedback/sqs_feedback.ts")> {
  return import("./feedback/sqs_feedback.ts");
}
