/**
 * ses-daemon-bot: the command line. The only module that calls Deno.exit.
 * Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { createLlm, jobHandlers, openDatabase, routeOptions, stagePools, suppressionRules } from "./app.ts";
import { formatFeedbackSummary, importFeedbackFiles } from "./cli/feedback.ts";
import { suppressionsCommand, SuppressionsUsageError } from "./cli/suppressions.ts";
import { cliActor } from "./review/actions.ts";

import { startConfiguredConsole } from "./console/start.ts";
import { formatEvalReport } from "./classify/eval.ts";
import { classifyFile, classifyLine, evalDir } from "./cli/classify.ts";
import { printEffects, retryEffects } from "./cli/effects.ts";
import { checkReviewArgs, runReview } from "./cli/review.ts";
import { UsageError } from "./cli/usage.ts";
import { exportLabels, learnedForEval, uncorrect } from "./cli/learn.ts";
import type { EffectState } from "./db/effects.ts";
import { formatStatus, readStatus } from "./cli/status.ts";
import { type Config, CONFIG_VARS, ConfigError, loadConfig } from "./config.ts";
import { requeueJobs } from "./db/jobs.ts";
import { migrate } from "./db/migrate.ts";
import { runDaemon } from "./daemon.ts";
import { Worker } from "./jobs/worker.ts";
import { closeLogging, errorText, setupLogging } from "./log.ts";
import { Progress } from "./progress.ts";
import { watchDrain } from "./jobs/drain_progress.ts";
import { filesSource } from "./mail/folder_source.ts";
import { type IngestResult, pollSource } from "./mail/ingest.ts";
import { ParsePool } from "./mail/parse_pool.ts";
import { isParseWorker } from "./mail/parse_worker.ts";

const MAIN_HELP =
  `ses-daemon-bot: turns inbound mail (AWS SES via S3, or a folder) into stored, classified, acted-on emails.

Usage: ses-daemon-bot <command> [options]

Commands:
  run [--once]              the daemon (--once: ingest what is there, run every job, exit)
  migrate                   apply database migrations (run also does this at start)
  ingest FILE|DIR…          store .eml files (folders: their *.eml) and run their jobs; files stay in place
  status [--json]           counts by state, oldest pending job, recent failures
  requeue [--all | ID…]     give failed jobs a fresh set of attempts
  effects [--state S] [--json] | effects retry (--all | ID…)
                            the outbox: failed (default), pending, delivered or suppressed effects
  console                   the review console alone (against DATABASE_URL; 'run' serves it too)
  correct ID INTENT [--note TEXT]
                            set an email's intent as a person corrected it; it is routed again
  handled ID… [--note TEXT] mark emails' hand-offs handled (they leave the console's Needs a person)
  release EFFECT_ID [--note TEXT]
                            deliver a withheld automatic reply after all (if the email has no other reply)
  feedback FILE…            import saved SES bounce/complaint/delivery notifications (SNS envelopes or bare)
  suppressions [--json] | suppressions add ADDRESS [--note TEXT] | suppressions remove ADDRESS
                            the addresses no automatic reply goes to (bounces, complaints, by hand)
  uncorrect ID [--note TEXT]
                            undo an email's latest correction (its label is retracted, it is routed again)
  classify FILE.eml…        print each file's classification as a JSON line (no database)
  eval DIR [--json] [--classifier offline|llm] [--learned]
                            score the classifier on DIR/*.eml against DIR/labels.jsonl
  export-labels DIR         write the emails people labelled as DIR/*.eml + DIR/labels.jsonl (eval format)

Every command takes --help. Configuration comes from the environment: see 'ses-daemon-bot run --help'.
Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error.`;

const HELP: Record<string, string> = {
  run: `Usage: ses-daemon-bot run [--once]

Polls the source (S3 when SES_BUCKET is set, else INBOX_DIR) every POLL_INTERVAL and runs jobs with
WORKER_CONCURRENCY workers. SIGTERM/SIGINT: stop and drain within SHUTDOWN_TIMEOUT; a second signal exits now.

Options:
  --once     ingest what the source holds now, run every runnable job, then exit 0
  --help     this text

Environment:
${
    CONFIG_VARS.map((v) =>
      `  ${v.name.padEnd(22)} ${v.description}${v.default ? ` Default: ${v.default}` : ""}`
    ).join("\n")
  }`,
  migrate: `Usage: ses-daemon-bot migrate

Applies pending migrations (sql/migrations, embedded) under an advisory lock; safe to run from several
processes at once. Prints the versions applied.`,
  ingest: `Usage: ses-daemon-bot ingest FILE|DIR…

Stores each .eml file (for a folder: each *.eml in it) exactly as 'run' would, then runs the resulting jobs.
Files are not moved; a file stored before is recognised by its content (sha256) and skipped.`,
  status: `Usage: ses-daemon-bot status [--json]

Counts emails, deliveries and jobs by state, the age of the oldest runnable job and the recent failures.
--json prints one object (emails_total, emails_processed, jobs_pending, jobs_failed, …).`,
  requeue: `Usage: ses-daemon-bot requeue (--all | ID…)

Returns failed jobs to the queue with a fresh set of attempts. IDs are job ids, as 'status' lists them.`,
  effects: `Usage: ses-daemon-bot effects [--state failed|pending|delivered|suppressed] [--json]
       ses-daemon-bot effects retry (--all | ID…)

Lists the outbox's effects (automatic replies, forwards to HUMAN_EMAIL, webhooks) in a state, newest first;
failed ones by default, with their last error. 'retry' returns failed effects to the outbox and delivers them
again, and fails (exit 1, nothing changed) when it cannot queue a delivery for each.

What retry guarantees: webhooks go out again with the same Idempotency-Key, so a receiver that drops repeated
keys is not doubled; files replace their earlier copy. SES has no idempotency key: an effect failed as
"ambiguous: the request may have been sent" (a timeout or cut connection after the request went out) may
already have reached its recipient, and retrying it can send it twice. Check first (the recipient, or the SES
sending events), then retry only what was not sent.`,
  console: `Usage: ses-daemon-bot console

Serves the review console on CONSOLE_ADDR against the PostgreSQL of DATABASE_URL, without the daemon (for a
host apart from it; 'run' serves the console itself). Sessions live in the database, so logins work on both.
Without CONSOLE_PASSWORD (or CONSOLE_PASSWORD_FILE) it prints a one-time login link. Stops on SIGTERM/SIGINT.`,
  correct: `Usage: ses-daemon-bot correct ID INTENT [--note TEXT]

Sets email ID's intent (send_info, create_account, unknown, speak_to_human) as a person corrected it, and
routes it again for that intent: what was delivered stays delivered, the new hand-off or CRM task is made,
and no second automatic reply is ever sent (a new reply is withheld when the email already has one). The
intent it already has is a confirmation. Either way it is recorded in the audit trail (who: cli:<user>) and
kept as a labelled example. Prints what was routed.`,
  handled: `Usage: ses-daemon-bot handled ID… [--note TEXT]

Marks each email ID's hand-off handled: it leaves the console's "Needs a person". Recorded in the audit
trail; without an earlier correction, it also confirms the email's intent (a labelled example). Exit 1 when
any ID could not be marked (the others still are).`,
  release: `Usage: ses-daemon-bot release EFFECT_ID [--note TEXT]

Delivers a withheld (suppressed) automatic reply after all, unless its email already has another reply
delivered, pending or failed. Recorded in the audit trail. 'effects --state suppressed' lists them.`,
  feedback: `Usage: ses-daemon-bot feedback FILE…

Imports saved SES sending feedback, as the SES_FEEDBACK_QUEUE_URL queue stores it: bounce, complaint and
delivery notifications in either shape (identity notifications, configuration-set events), each an SNS
envelope or the bare SES JSON; a file holds one, a JSON array of them, or one per line. A notification seen
before (same feedbackId) changes nothing. Applies the suppression rules (see the README's "SES sending
feedback"). Exit 1 when some notification was not usable.`,
  suppressions: `Usage: ses-daemon-bot suppressions [--json]
       ses-daemon-bot suppressions add ADDRESS [--note TEXT]
       ses-daemon-bot suppressions remove ADDRESS

The suppression list: addresses no automatic reply goes to (a reply to one is withheld with the reason, and
the email goes to a person). Bounces and complaints add addresses by themselves; 'add' and 'remove' are for
people (recorded in the audit trail). --json prints one object per line.`,
  classify: `Usage: ses-daemon-bot classify FILE.eml…

Classifies each file as the daemon would (rules, then the LLM when OPENAI_API_KEY is set, else the offline
classifier) and prints one JSON object per line: file, intent, intent_flags, automated, auto_reply_ok,
reasons, classifier, model, tokens, latency_ms, note. Needs no database.`,
  eval: `Usage: ses-daemon-bot eval DIR [--json] [--classifier offline|llm] [--learned]

Scores every *.eml of DIR against DIR/labels.jsonl (see shared/corpus/README.md): intent accuracy strict
and lenient over human mail, automated precision and recall, auto_reply_ok agreement, unsafe automatic
replies, median prompt tokens (estimated), the confusion matrix and the misses.
  --classifier   offline (default without OPENAI_API_KEY) or llm (default with it)
  --learned      classify with what the database (DATABASE_URL, else the embedded one) has learned from
                 people's corrections and confirmations, never using an example with the same Message-ID
                 as the email being scored
  --json         one object: total, intent_strict, intent_lenient, automated_precision, automated_recall,
                 auto_reply_ok_accuracy, unsafe_auto_reply, median_prompt_tokens, confusion (and misses)`,
  uncorrect: `Usage: ses-daemon-bot uncorrect ID [--note TEXT]

Undoes email ID's latest correction that still stands: its label is retracted (kept and shown, never learned
from again), with any confirmation given after it, and the email gets back the intent it had before, routed
again as a correction is (what was delivered stays delivered; never a second automatic reply). Recorded in
the audit trail as 'uncorrect' (who: cli:<user>). Exit 1 when the email has no correction to undo.`,
  "export-labels": `Usage: ses-daemon-bot export-labels DIR

Writes every email people labelled (corrected or confirmed; its latest label that was not undone) as
DIR/email-<id>.eml (the original bytes) and one DIR/labels.jsonl line each, in the format 'eval' reads
(shared/corpus/README.md): intent and acceptable are what people said; automated and auto_reply_ok are the
rules' verdict. Then 'eval DIR' scores a classifier on the deployment's own mail. DIR must not hold a
labels.jsonl yet. Originals too large to keep in the database are skipped (counted).`,
};

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    console.log(MAIN_HELP);
    return command === undefined ? 2 : 0;
  }
  if (!(command in HELP)) {
    throw new UsageError(`Unknown command "${command}". Commands: ${Object.keys(HELP).join(", ")}`);
  }
  const { values, positionals } = parse(rest, {
    once: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    all: { type: "boolean", default: false },
    classifier: { type: "string" },
    state: { type: "string" },
    note: { type: "string" },
    learned: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  });
  if (values.help) {
    console.log(HELP[command]);
    return 0;
  }
  const allowed: Record<string, string[]> = {
    run: ["once"],
    status: ["json"],
    requeue: ["all"],
    eval: ["json", "classifier", "learned"],
    effects: ["json", "state", "all"],
    correct: ["note"],
    handled: ["note"],
    release: ["note"],
    suppressions: ["json", "note"],
    uncorrect: ["note"],
  };
  for (const flag of ["once", "json", "all", "classifier", "state", "note", "learned"] as const) {
    if (values[flag] && !allowed[command]?.includes(flag)) {
      throw new UsageError(`${command} does not take --${flag}; see '${command} --help'`);
    }
  }
  const config = loadConfig();
  await setupLogging(
    config.logLevel,
    command === "run" || command === "console" ? "stdout" : "stderr",
    config.logFormat,
  );
  try {
    switch (command) {
      case "run":
        if (positionals.length > 0) throw new UsageError("run takes no arguments; see 'run --help'");
        await runDaemon(config, { once: values.once, exitNow: (code) => Deno.exit(code) });
        return 0;
      case "console":
        if (positionals.length > 0) throw new UsageError("console takes no arguments; see 'console --help'");
        if (!config.databaseUrl) {
          throw new UsageError(
            "console needs DATABASE_URL (PostgreSQL): the embedded database belongs to the daemon, which " +
              "serves the console itself ('run', CONSOLE_ADDR)",
          );
        }
        if (!config.consoleAddr) throw new UsageError("console: CONSOLE_ADDR is off; set host:port");
        return await withDb(config, (db) => serveConsole(config, db));
      case "correct":
      case "handled":
      case "release":
        checkReviewArgs(command, positionals);
        return await withDb(
          config,
          (db) => runReview(command, config, db, { args: positionals, note: values.note }),
        );
      case "feedback":
        if (positionals.length === 0) throw new UsageError("feedback needs at least one FILE");
        for (const file of positionals) {
          await Deno.stat(file).catch(() => {
            throw new UsageError(`feedback: ${file} does not exist`);
          });
        }
        return await withDb(config, async (db) => {
          const s = await importFeedbackFiles(db, positionals, suppressionRules(config));
          for (const e of s.errors.slice(0, 20)) console.error(e);
          console.log(formatFeedbackSummary(s));
          return s.errors.length > 0 ? 1 : 0;
        });
      case "suppressions":
        return await withDb(config, async (db) => {
          try {
            const out = await suppressionsCommand(db, positionals, {
              json: values.json,
              note: values.note,
              actor: cliActor(),
            });
            for (const line of out.lines) (out.code === 0 ? console.log : console.error)(line);
            return out.code;
          } catch (error) {
            if (error instanceof SuppressionsUsageError) throw new UsageError(error.message);
            throw error;
          }
        });
      case "uncorrect": {
        if (positionals.length !== 1 || !/^\d{1,9}$/.test(positionals[0])) {
          throw new UsageError("uncorrect needs one email ID; see 'uncorrect --help'");
        }
        const emailId = Number(positionals[0]);
        return await withDb(
          config,
          async (db) =>
            uncorrect(db, {
              emailId,
              actor: cliActor(),
              note: values.note,
              route: await routeOptions(config),
            }),
        );
      }
      case "export-labels": {
        if (positionals.length !== 1) throw new UsageError("export-labels needs one DIR");
        return await withDb(config, async (db) => {
          const r = await exportLabels(db, positionals[0]);
          console.log(
            `export-labels: ${r.written} labelled email(s) written to ${positionals[0]}` +
              (r.skipped ? `, ${r.skipped} skipped (original not kept in the database)` : ""),
          );
          return 0;
        });
      }
      case "migrate":
        return await withDb(config, async (db) => {
          const applied = await migrate(db);
          console.log(applied.length > 0 ? `applied ${applied.join(", ")}` : "up to date");
          return 0;
        }, false);
      case "ingest":
        if (positionals.length === 0) throw new UsageError("ingest needs at least one FILE or DIR");
        return await ingest(config, positionals);
      case "status":
        return await withDb(config, async (db) => {
          const status = await readStatus(db);
          console.log(values.json ? JSON.stringify(status) : formatStatus(status));
          return 0;
        });
      case "effects": {
        if (positionals[0] === "retry") {
          const ids = positionals.slice(1).map((p) => {
            if (!/^\d+$/.test(p)) throw new UsageError(`effects retry: "${p}" is not an effect id`);
            return Number(p);
          });
          if (values.all === ids.length > 0) {
            throw new UsageError("effects retry needs either --all or effect IDs");
          }
          return await withDb(config, async (db) => {
            const retried = await retryEffects(db, {
              ids,
              all: values.all,
              maxAttempts: config.jobMaxAttempts,
            });
            console.log(
              `retrying ${retried.length} failed effect(s)${retried.length ? `: ${retried.join(" ")}` : ""}`,
            );
            return ids.some((id) => !retried.includes(id)) ? 1 : 0;
          });
        }
        if (positionals.length > 0) throw new UsageError(`effects: unknown argument "${positionals[0]}"`);
        const state = values.state ?? "failed";
        if (!["pending", "delivered", "failed", "suppressed"].includes(state)) {
          throw new UsageError(
            `effects --state must be pending, delivered, failed or suppressed, not "${state}"`,
          );
        }
        return await withDb(config, async (db) => {
          await printEffects(db, { state: state as EffectState, json: values.json });
          return 0;
        });
      }
      case "classify": {
        if (positionals.length === 0) throw new UsageError("classify needs at least one .eml file");
        const llm = createLlm(config);
        using pool = new ParsePool({ timeoutMs: config.parseTimeoutMs });
        let failed = 0;
        for (const file of positionals) {
          try {
            console.log(classifyLine(await classifyFile(file, config, { llm, parser: pool.parse })));
          } catch (error) {
            failed++;
            console.error(`classify: ${file}: ${errorText(error)}`);
          }
        }
        return failed > 0 ? 1 : 0;
      }
      case "eval": {
        if (positionals.length !== 1) throw new UsageError("eval needs one DIR with labels.jsonl");
        const classifier = values.classifier ?? (config.openaiApiKey ? "llm" : "offline");
        if (classifier !== "offline" && classifier !== "llm") {
          throw new UsageError(`eval: --classifier must be offline or llm, not "${classifier}"`);
        }
        if (classifier === "llm" && !config.openaiApiKey) {
          throw new UsageError(
            "eval --classifier llm needs OPENAI_API_KEY (and OPENAI_BASE_URL for a non-OpenAI endpoint)",
          );
        }
        const progress = new Progress("classified");
        using pool = new ParsePool({ timeoutMs: config.parseTimeoutMs });
        const learned = values.learned
          ? await withDbValue(config, (db) => learnedForEval(db, config.classifyMaxChars))
          : undefined;
        if (learned) console.error(`eval: ${learned.examples.length} learned example(s) from the database`);
        const report = await evalDir(positionals[0], config, {
          learned,
          classifier,
          parser: pool.parse,
          onProgress: (done, total) => progress.update(done, total),
        }).finally(() => progress.end());
        console.log(values.json ? JSON.stringify(report) : formatEvalReport(report));
        if (!values.json) {
          const pct = (v: number | null) => v === null ? "n/a" : (v * 100).toFixed(1) + "%";
          console.log(
            `eval (${classifier}${learned ? ", learned" : ""}): ${report.total} messages, strict ${
              pct(report.intent_strict)
            }, lenient ` +
              `${pct(report.intent_lenient)}, unsafe ${report.unsafe_auto_reply}`,
          );
        }
        return 0;
      }
      case "requeue": {
        if (values.all === positionals.length > 0) {
          throw new UsageError("requeue needs either --all or job IDs");
        }
        const ids = positionals.map((p) => {
          if (!/^\d+$/.test(p)) throw new UsageError(`requeue: "${p}" is not a job id`);
          return Number(p);
        });
        return await withDb(config, async (db) => {
          const jobs = await requeueJobs(db, { ids, all: values.all });
          console.log(
            `requeued ${jobs.length} failed job(s)${
              jobs.length ? `: ${jobs.map((j) => j.id).join(" ")}` : ""
            }`,
          );
          const missing = ids.filter((id) => !jobs.some((j) => j.id === id));
          if (missing.length > 0) console.error(`not failed or not found: ${missing.join(" ")}`);
          return missing.length > 0 ? 1 : 0;
        });
      }
    }
    return 0;
  } finally {
    await closeLogging();
  }
}

function parse(args: string[], options: ParseArgsConfig["options"]) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true }) as {
      values: {
        once: boolean;
        json: boolean;
        all: boolean;
        help: boolean;
        classifier?: string;
        state?: string;
        note?: string;
        learned: boolean;
      };
      positionals: string[];
    };
  } catch (error) {
    throw new UsageError(errorText(error).replace(/^TypeError: /, ""));
  }
}

async function withDb(
  config: Config,
  fn: (db: Awaited<ReturnType<typeof openDatabase>>) => Promise<number>,
  migrate = true,
) {
  const db = await openDatabase(config, { migrate });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

async function withDbValue<T>(
  config: Config,
  fn: (db: Awaited<ReturnType<typeof openDatabase>>) => Promise<T>,
) {
  const db = await openDatabase(config, { migrate: true });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

async function ingest(config: Config, paths: string[]): Promise<number> {
  for (const path of paths) {
    await Deno.stat(path).catch(() => {
      throw new UsageError(`ingest: ${path} does not exist`);
    });
  }
  const progress = new Progress("stored");
  let seen = 0;
  const onItem = (_: IngestResult | "error") => progress.update(++seen);
  const source = filesSource(paths);
  using pool = new ParsePool({ timeoutMs: config.parseTimeoutMs });
  return await withDb(config, async (db) => {
    const summary = await pollSource(db, source, {
      maxMessageBytes: config.maxMessageBytes,
      jobMaxAttempts: config.jobMaxAttempts,
      concurrency: Math.min(config.workerConcurrency, 16),
      onItem,
    });
    progress.end();
    const worker = new Worker(db, await jobHandlers(config, { parser: pool.parse }), {
      workerId: `ingest:${Deno.pid}`,
      concurrency: config.workerConcurrency,
      pools: stagePools(config.workerConcurrency),
      leaseMs: config.jobLeaseMs,
      pollMs: config.pollIntervalMs,
      backoffMs: config.jobBackoffMs,
    });
    const watch = watchDrain(db, worker, new Progress("jobs done"));
    try {
      await worker.drain();
    } finally {
      await watch.stop();
    }
    console.log(
      `ingest: ${summary.stored} stored, ${summary.known} already stored, ${summary.oversize} oversize, ` +
        `${summary.errors} errors; jobs: ${worker.counts.done} done, ${worker.counts.retried} to retry, ` +
        `${worker.counts.failed} failed`,
    );
    return summary.errors > 0 ? 1 : 0;
  });
}

/** `console`: serves the review console until SIGTERM or SIGINT. */
async function serveConsole(config: Config, db: Awaited<ReturnType<typeof openDatabase>>): Promise<number> {
  const server = await startConfiguredConsole(config, db);
  if (server?.loginUrl) console.log(`Log in once with ${server.loginUrl}`);
  await new Promise<void>((resolve) => {
    for (const sig of ["SIGTERM", "SIGINT"] as const) Deno.addSignalListener(sig, resolve);
  });
  await server?.shutdown();
  return 0;
}

// In a parse worker started from the bundle (which holds every module: see parse_worker.ts), import.meta.main
// is true as well; that thread only answers parse requests.
if (import.meta.main && !isParseWorker()) {
  let code: number;
  try {
    code = await main(Deno.args);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof UsageError) {
      console.error(error.message);
      code = 2;
    } else {
      console.error(`ses-daemon-bot: ${errorText(error)}`);
      code = 1;
    }
  }
  Deno.exit(code);
}
