/** Start-up wiring shared by the commands: the database and the source chosen from the configuration. */
import { deliverJobHandler } from "./act/deliver_job.ts";
import { fileTransport } from "./act/file_transport.ts";
import { DELIVER_JOB, ROUTE_JOB, routeJobHandler, type RouteOptions } from "./act/route_job.ts";
import { loadTemplates } from "./act/templates.ts";
import { httpWebhookSender } from "./act/webhook.ts";
import { CLASSIFY_JOB, classifyJobHandler } from "./classify/classify_job.ts";
import type { Business } from "./classify/instructions.ts";
import { LlmClassifier } from "./classify/llm.ts";
import { type Config, inboundPush } from "./config.ts";
import { connectPostgres, type Db, openPglite } from "./db/client.ts";
import { migrate } from "./db/migrate.ts";
import type { JobHandler } from "./jobs/types.ts";
import type { PoolOptions } from "./jobs/worker.ts";
import { errorText, log } from "./log.ts";
import { folderSource } from "./mail/folder_source.ts";
import { PARSE_JOB } from "./mail/ingest.ts";
import { parseJobHandler } from "./mail/parse_job.ts";
import type { Parser } from "./mail/parse_pool.ts";
import type { RawHandoff } from "./mail/raw_handoff.ts";
import type { MailSource } from "./mail/source.ts";
import type { SuppressionRules } from "./db/feedback.ts";
import type { FeedbackQueue } from "./feedback/sqs_feedback.ts";

const logger = log("db");

/** A statement lost with a cut connection fails its job after this long, and the job runs again. */
export const ANSWER_TIMEOUT_MS = 60_000;

/** Opens the configured database (PostgreSQL, or PGlite in DATA_DIR) and applies pending migrations. */
export async function openDatabase(config: Config, options: { migrate?: boolean } = {}): Promise<Db> {
  let db: Db;
  if (config.databaseUrl) {
    db = connectPostgres(config.databaseUrl, {
      schema: config.databaseSchema,
      // Few connections, each pipelining many queries: one write carries several statements, and the
      // per-write cost is what limits this process (e2e bench, 200 ms / c=32: 6 connections 89-90% of the
      // bound, 12 87-89%, 40 84-85%). Classify jobs hold none while the model answers.
      max: config.databasePoolSize,
      answerTimeoutMs: ANSWER_TIMEOUT_MS,
      connectTimeoutS: config.databaseConnectTimeoutMs / 1000,
      onError: (error) =>
        logger.warn(
          "A PostgreSQL connection broke mid-write (postgres.js 3.4.9); replaced the pool: {error}",
          {
            error: errorText(error),
          },
        ),
    });
  } else {
    try {
      db = await openPglite(config.dataDir);
    } catch (error) {
      throw new Error(
        `Cannot open the embedded database in DATA_DIR=${config.dataDir}: ${errorText(error)}. ` +
          `Is another ses-daemon-bot using it? (PGlite allows one process; set DATABASE_URL for several.)`,
      );
    }
  }
  if (options.migrate !== false) {
    try {
      const applied = await migrate(db);
      if (applied.length > 0) logger.info("Applied migrations {applied}", { applied });
    } catch (error) {
      await db.close().catch(() => {});
      throw error;
    }
  }
  return db;
}

/**
 * The modules that hold an AWS SDK client, imported when the configuration uses them: each client is ~8 MB of
 * JavaScript heap and ~25 MB of resident memory (measured: `await import("@aws-sdk/client-s3")` takes the
 * heap after a full GC from 2.2 to 9.9 MB and RSS from 35 to 66 MB), which a folder source with the file
 * transport never needs, and which every full garbage collection would mark again. `deno compile` embeds
 * them all the same (the specifiers are literal).
 */
export const AWS_MODULES = {
  s3: () => import("./mail/s3_source.ts"),
  sqs: () => import("./mail/sqs_source.ts"),
  sns: () => import("./mail/sns_ingest.ts"),
  ses: () => import("./act/ses_transport.ts"),
};

/** A source and how long to wait between its polls (0: poll again at once, the long poll is the wait). */
export interface PolledSource {
  source: MailSource;
  intervalMs: number;
}

/**
 * The sources of the configuration: SQS when SQS_QUEUE_URL is set; S3 when SES_BUCKET is set (every
 * POLL_INTERVAL, or every S3_CATCHUP_INTERVAL behind SQS or SNS, to catch what a notification missed); else
 * the INBOX_DIR folder. (The SNS endpoint pushes; it is started by the daemon, see `sns_http.ts`.)
 * The AWS SDK clients are imported only when configured (see {@linkcode AWS_MODULES}).
 */
export async function createSources(config: Config): Promise<PolledSource[]> {
  const sources: PolledSource[] = [];
  const push = inboundPush(config);
  if (config.sqsQueueUrl) {
    const { sqsSource } = await AWS_MODULES.sqs();
    sources.push({
      source: sqsSource({
        queueUrl: config.sqsQueueUrl,
        region: config.awsRegion,
        sqsEndpoint: config.sqsEndpoint,
        s3Endpoint: config.s3Endpoint,
        sesPrefix: config.sesPrefix,
        processedPrefix: config.s3ProcessedPrefix,
        afterIngest: config.s3AfterIngest,
        badMessages: config.sqsBadMessages,
      }),
      intervalMs: 0,
    });
  }
  if (config.sesBucket && (!push || config.s3CatchupIntervalMs > 0)) {
    const { s3Source } = await AWS_MODULES.s3();
    sources.push({
      source: s3Source({
        bucket: config.sesBucket,
        prefix: config.sesPrefix,
        processedPrefix: config.s3ProcessedPrefix,
        afterIngest: config.s3AfterIngest,
        region: config.awsRegion,
        endpoint: config.s3Endpoint,
      }),
      intervalMs: push ? config.s3CatchupIntervalMs : config.pollIntervalMs,
    });
  }
  if (!config.sesBucket && !push) {
    sources.push({ source: folderSource(config.inboxDir), intervalMs: config.pollIntervalMs });
  }
  return sources;
}

/** The suppression rules of the configuration. */
export function suppressionRules(config: Config): SuppressionRules {
  return { softBounces: config.suppressSoftBounces, softWindowMs: config.suppressSoftWindowMs };
}

/** The feedback queue (SES_FEEDBACK_QUEUE_URL), or undefined when none is set. */
export async function createFeedbackQueue(config: Config, db: Db): Promise<FeedbackQueue | undefined> {
  if (!config.sesFeedbackQueueUrl) return undefined;
  const [{ createSqsClient }, { feedbackQueue }] = await Promise.all([
    AWS_MODULES.sqs(),
    import("./feedback/sqs_feedback.ts"),
  ]);
  const sqs = createSqsClient({ region: config.awsRegion, sqsEndpoint: config.sqsEndpoint });
  return feedbackQueue(db, sqs, {
    queueUrl: config.sesFeedbackQueueUrl,
    rules: suppressionRules(config),
    badMessages: config.sqsBadMessages,
    log: log("feedback"),
  });
}

/**
 * The LLM classifier of the configuration, or undefined when no OPENAI_API_KEY is set. At most
 * WORKER_CONCURRENCY requests are in flight at once.
 */
export function createLlm(config: Config): LlmClassifier | undefined {
  if (!config.openaiApiKey) return undefined;
  return new LlmClassifier({
    apiKey: config.openaiApiKey,
    baseURL: config.openaiBaseUrl,
    model: config.openaiModel,
    timeoutMs: config.llmTimeoutMs,
    maxConcurrent: config.workerConcurrency,
    business: businessOf(config),
  });
}

/**
 * Worker pools: classification waits on the LLM (hundreds of ms a message), so it has slots of its own; the
 * other stages (parse, route, deliver) share another pool of WORKER_CONCURRENCY slots. With one shared pool
 * the bench reached 60% of the LLM bound at 32 slots, the classify jobs holding most of them.
 *
 * The classify pool runs twice as many jobs as the model gets requests (the LLM client lets
 * WORKER_CONCURRENCY requests out at once, see {@linkcode createLlm}): a job reads its email before its turn
 * and stores the answer after it, so the model's slots never wait on the database. With as many jobs as
 * requests, that database work (~50 ms a job on a busy process) kept the bench at 76% of the bound at
 * 200 ms and 32 slots.
 *
 * Each pool claims at most as many jobs ahead as WORKER_CONCURRENCY. A claim counts an attempt, so a process
 * that dies (SIGKILL, OOM, power) costs every job it held one attempt, started or not: with 100 claimed
 * ahead, the fault test's ten kills used up all five attempts of some parse jobs, which then failed.
 */
export function stagePools(concurrency: number): PoolOptions[] {
  // Claims at most every 10 ms while a pool has work: the end-to-end bench (200 ms, c=32) made ~830 claim
  // statements for 800 messages without, ~480 with (~2% more messages a second; 25 ms saved no more).
  const claimIntervalMs = 10;
  return [{ kinds: [CLASSIFY_JOB], concurrency: 2 * concurrency, prefetch: concurrency, claimIntervalMs }, {
    concurrency,
    prefetch: concurrency,
    claimIntervalMs,
  }];
}

/**
 * Every job kind this version runs, each stage enqueueing the next with its own result (one statement). With
 * `handoff`, parse jobs take the deliveries this process's ingest stored there (see raw_handoff.ts); with
 * `parser` (a ParsePool's), they parse off the event loop, with PARSE_TIMEOUT as the deadline.
 */
export async function jobHandlers(
  config: Config,
  options: { handoff?: RawHandoff; parser?: Parser } = {},
): Promise<Record<string, JobHandler>> {
  const next = (kind: string) => ({ kind, maxAttempts: config.jobMaxAttempts });
  const files = fileTransport(config.outboxDir);
  const mail = config.mailTransport === "ses"
    ? (await AWS_MODULES.ses()).sesTransport({
      region: config.awsRegion,
      configurationSet: config.sesConfigurationSet,
    })
    : files;
  const http = httpWebhookSender({ secret: config.webhookSecret, timeoutMs: config.webhookTimeoutMs });
  const urls = { crm: config.crmWebhookUrl, escalation: config.escalationWebhookUrl };
  // A target with a URL is posted to; without one, the file transport writes it as .json (the embedded
  // default) and the SES set-up has no such target.
  const webhooks = {
    send: (key: string, target: { url?: string; name: string }, body: unknown) =>
      target.url ? http.send(key, target, body) : files.send(key, target, body),
  };
  const fileMode = config.mailTransport === "file";
  if (!fileMode && !config.humanEmail && !config.escalationWebhookUrl) {
    logger.warn(
      "Neither HUMAN_EMAIL nor ESCALATION_WEBHOOK_URL is set: mail that needs a person (follow-ups, withheld " +
        "replies, speak_to_human, unknown) has nowhere to go and stays pending",
    );
  }
  return {
    [PARSE_JOB]: parseJobHandler(next(CLASSIFY_JOB), options),
    [CLASSIFY_JOB]: classifyJobHandler({
      ownAddresses: config.ownAddresses,
      maxChars: config.classifyMaxChars,
      llm: createLlm(config),
      business: businessOf(config),
    }, next(ROUTE_JOB)),
    [ROUTE_JOB]: routeJobHandler(await routeOptions(config)),
    [DELIVER_JOB]: deliverJobHandler({
      mail,
      webhooks,
      webhookUrls: urls,
      sendRatePerSecond: config.sendRatePerSecond,
      webhookTimeoutMs: config.webhookTimeoutMs,
    }),
  };
}

/** What routing needs of the configuration: the route job, and a correction in the console or the CLI. */
export async function routeOptions(config: Config): Promise<RouteOptions> {
  const fileMode = config.mailTransport === "file";
  return {
    replyFrom: config.replyFrom,
    humanEmail: config.humanEmail,
    ownAddresses: config.ownAddresses,
    // A target with a URL is posted to; without one, the file transport writes it as .json.
    webhooks: {
      crm: !!config.crmWebhookUrl || fileMode,
      escalation: !!config.escalationWebhookUrl || fileMode,
    },
    pricingUrl: config.pricingUrl,
    docsUrl: config.docsUrl,
    signupUrl: config.signupUrl,
    ackHumanReply: config.ackHumanReply,
    unknownAutoReply: config.unknownAutoReply,
    automatedAction: config.automatedAction,
    templates: await loadTemplates(config.templatesDir, { business: config.businessName }),
    autoReplyWindowMs: config.autoReplyWindowMs,
    conversationGuessWindowMs: config.conversationGuessWindowMs,
    jobMaxAttempts: config.jobMaxAttempts,
    consoleUrl: config.consoleUrl,
  };
}

/** The business the model's instructions and the replies name. */
export function businessOf(config: Config): Business {
  return { name: config.businessName, description: config.businessDescription };
}
