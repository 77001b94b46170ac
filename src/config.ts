/**
 * Configuration from the environment, read once at start-up into a typed object. Every bad variable is
 * reported together, each with what to do about it. The README's configuration table lists the same
 * variables (a test keeps them in step with {@linkcode CONFIG_VARS}).
 */
import { DEFAULT_BUSINESS } from "./classify/instructions.ts";

import { parseProxies } from "./console/proxy.ts";

/** The daemon's settings. Durations are in milliseconds, sizes in bytes. */
export interface Config {
  databaseUrl: string | undefined;
  databaseSchema: string | undefined;
  databasePoolSize: number;
  databaseConnectTimeoutMs: number;
  dataDir: string;
  sesBucket: string | undefined;
  sesPrefix: string;
  s3Endpoint: string | undefined;
  s3ProcessedPrefix: string;
  s3AfterIngest: "move" | "delete";
  awsRegion: string;
  inboxDir: string;
  workerConcurrency: number;
  pollIntervalMs: number;
  jobLeaseMs: number;
  jobMaxAttempts: number;
  jobBackoffMs: number;
  shutdownTimeoutMs: number;
  maxMessageBytes: number;
  parseTimeoutMs: number;
  logLevel: "debug" | "info" | "warning" | "error";
  logFormat: "auto" | "json" | "pretty";
  openaiApiKey: string | undefined;
  openaiBaseUrl: string | undefined;
  openaiModel: string;
  llmTimeoutMs: number;
  classifyMaxChars: number;
  ownAddresses: string[];
  mailTransport: "file" | "ses";
  outboxDir: string;
  replyFrom: string;
  humanEmail: string | undefined;
  crmWebhookUrl: string | undefined;
  escalationWebhookUrl: string | undefined;
  webhookSecret: string | undefined;
  webhookTimeoutMs: number;
  pricingUrl: string;
  docsUrl: string;
  signupUrl: string;
  templatesDir: string | undefined;
  businessName: string;
  businessDescription: string;
  autoReplyWindowMs: number;
  sendRatePerSecond: number;
  ackHumanReply: boolean;
  unknownAutoReply: boolean;
  automatedAction: "none" | "handoff";
  conversationGuessWindowMs: number;
  /** Done jobs are deleted this long after they finished. */
  retentionJobsMs: number;
  /** Raw bytes of processed emails are dropped this long after (where the original is kept); undefined: off. */
  retentionRawMs: number | undefined;
  sesConfigurationSet: string | undefined;
  /** SQS queue of SES bounce, complaint and delivery notifications; undefined: not read. */
  sesFeedbackQueueUrl: string | undefined;
  /** SNS topics whose messages the SNS endpoint reads as feedback. */
  sesFeedbackTopicArns: string[];
  /** Soft bounces (Transient/Undetermined, not Transient/General) within the window that suppress. */
  suppressSoftBounces: number;
  suppressSoftWindowMs: number;
  sqsQueueUrl: string | undefined;
  sqsEndpoint: string | undefined;
  sqsBadMessages: "delete" | "keep";
  snsListenAddr: string | undefined;
  snsTopicArns: string[];
  snsRequestTimeoutMs: number;
  snsMaxInFlight: number;
  s3CatchupIntervalMs: number;
  metricsAddr: string | undefined;
  /** host:port of the review console; undefined: off. */
  consoleAddr: string | undefined;
  /** The console's public base URL (links, Secure cookies when https); undefined: http://CONSOLE_ADDR. */
  consoleUrl: string | undefined;
  /** The shared console password (CONSOLE_PASSWORD, or the first line of CONSOLE_PASSWORD_FILE). */
  consolePassword: string | undefined;
  /** The header a trusted reverse proxy names the user in; undefined: none. */
  consoleTrustedUserHeader: string | undefined;
  /** Comma list of the addresses/CIDRs that header is accepted from (CONSOLE_TRUSTED_PROXIES). */
  consoleTrustedProxies: string;
}

/** One environment variable: its default (as written in the environment) and what it does. */
export interface VarSpec {
  name: string;
  default: string;
  description: string;
}

/** Every variable the daemon reads, in README order. */
export const CONFIG_VARS: readonly VarSpec[] = [
  {
    name: "DATABASE_URL",
    default: "",
    description:
      "PostgreSQL URL (libpq form; a Unix socket: `?host=/var/run/postgresql`). Empty: embedded PGlite in DATA_DIR.",
  },
  {
    name: "DATABASE_SCHEMA",
    default: "",
    description: "Schema for all tables (search_path). Empty: public.",
  },
  {
    name: "DATABASE_POOL_SIZE",
    default: "6",
    description: "PostgreSQL connections per instance (1–100), plus one for LISTEN; queries beyond pipeline.",
  },
  {
    name: "DATABASE_CONNECT_TIMEOUT",
    default: "10s",
    description: "A connection attempt with no answer after this fails and is retried (within 0.5 s).",
  },
  {
    name: "DATA_DIR",
    default: "./data",
    description: "Embedded database folder (only without DATABASE_URL).",
  },
  {
    name: "SES_BUCKET",
    default: "",
    description: "S3 bucket of the SES receipt rule. Empty: read INBOX_DIR.",
  },
  { name: "SES_PREFIX", default: "", description: "Key prefix of the receipt rule's objects." },
  { name: "S3_ENDPOINT", default: "", description: "S3-compatible endpoint URL (path-style). Empty: AWS." },
  {
    name: "S3_PROCESSED_PREFIX",
    default: "processed/",
    description: "Where ingested objects are moved (S3_AFTER_INGEST=move); never listed as new mail.",
  },
  { name: "S3_AFTER_INGEST", default: "move", description: "`move` to S3_PROCESSED_PREFIX, or `delete`." },
  { name: "AWS_REGION", default: "us-east-1", description: "AWS region of the bucket." },
  {
    name: "AWS_ACCESS_KEY_ID",
    default: "",
    description: "AWS credentials; empty: the SDK's default chain (instance role, profile).",
  },
  { name: "AWS_SECRET_ACCESS_KEY", default: "", description: "AWS credentials (with AWS_ACCESS_KEY_ID)." },
  {
    name: "INBOX_DIR",
    default: "./inbox",
    description: "Folder source: `*.eml` files, moved to `processed/`.",
  },
  {
    name: "WORKER_CONCURRENCY",
    default: "4",
    description: "LLM requests in flight (1–256), and jobs run at once by the other stages together.",
  },
  {
    name: "POLL_INTERVAL",
    default: "10s",
    description: "How often the source is listed (`500ms`, `10s`, `1m`).",
  },
  {
    name: "JOB_LEASE",
    default: "60s",
    description:
      "A running job's lease, renewed while it runs; a dead worker's job is retried after it. Keep above SHUTDOWN_TIMEOUT.",
  },
  {
    name: "JOB_MAX_ATTEMPTS",
    default: "5",
    description: "Attempts before a job is `failed` (then `requeue`).",
  },
  {
    name: "JOB_BACKOFF",
    default: "5s",
    description: "First retry delay; doubles per attempt up to 1 h, with jitter.",
  },
  {
    name: "SHUTDOWN_TIMEOUT",
    default: "20s",
    description: "Drain deadline after SIGTERM; keep it below the unit's TimeoutStopSec (30s).",
  },
  {
    name: "MAX_MESSAGE_BYTES",
    default: "41943040",
    description: "Larger messages are recorded, not parsed (SES's limit is 40 MB).",
  },
  {
    name: "PARSE_TIMEOUT",
    default: "10s",
    description:
      "Deadline of one message's parse (in a worker thread); a message past it is stored unparsed, with the reason.",
  },
  { name: "LOG_LEVEL", default: "info", description: "`debug`, `info`, `warning` or `error`." },
  {
    name: "LOG_FORMAT",
    default: "auto",
    description:
      "`json` lines, `pretty` (readable, coloured) lines, or `auto`: pretty on a terminal, else JSON.",
  },
  {
    name: "OPENAI_API_KEY",
    default: "",
    description: "Key of the OpenAI-compatible endpoint. Empty: the offline classifier decides.",
  },
  { name: "OPENAI_BASE_URL", default: "", description: "OpenAI-compatible endpoint. Empty: api.openai.com." },
  { name: "OPENAI_MODEL", default: "gpt-4o-mini", description: "Model name sent to the endpoint." },
  { name: "LLM_TIMEOUT", default: "20s", description: "Timeout of one classification request." },
  {
    name: "CLASSIFY_MAX_CHARS",
    default: "4000",
    description: "Budget of the sender's own text given to a classifier (characters, ~4 per token).",
  },
  {
    name: "OWN_ADDRESSES",
    default: "@frflashy.com",
    description:
      "Our addresses, comma-separated (`hello@x.com`, or `@x.com` for a domain): never auto-answered.",
  },
  {
    name: "MAIL_TRANSPORT",
    default: "file",
    description: "`file`: replies as .eml and webhooks as .json in OUTBOX_DIR; `ses`: send with SES.",
  },
  { name: "OUTBOX_DIR", default: "./outbox", description: "Where the file transport writes." },
  { name: "REPLY_FROM", default: "FrFlashy <hello@frflashy.com>", description: "From of automatic replies." },
  {
    name: "HUMAN_EMAIL",
    default: "",
    description: "Hand-offs are forwarded here (original attached). Empty: none.",
  },
  {
    name: "CRM_WEBHOOK_URL",
    default: "",
    description: "CRM task webhook for sign-ups (file transport: .json).",
  },
  {
    name: "ESCALATION_WEBHOOK_URL",
    default: "",
    description: 'Hand-off webhook; Slack-compatible `{"text": …}` body (file transport: .json).',
  },
  { name: "WEBHOOK_SECRET", default: "", description: "HMAC-SHA256 key of the X-Webhook-Signature header." },
  { name: "WEBHOOK_TIMEOUT", default: "10s", description: "Timeout of one webhook request." },
  {
    name: "PRICING_URL",
    default: "https://frflashy.com/pricing",
    description: "Link in the send_info reply.",
  },
  { name: "DOCS_URL", default: "https://frflashy.com/docs", description: "Link in the send_info reply." },
  {
    name: "SIGNUP_URL",
    default: "https://frflashy.com/signup",
    description: "Link in the create_account reply.",
  },
  {
    name: "TEMPLATES_DIR",
    default: "",
    description:
      "Folder of reply templates overriding the built-in ones: `NAME.LANG.txt` (`send_info.fr.txt`), else `NAME.txt`.",
  },
  {
    name: "BUSINESS_NAME",
    default: DEFAULT_BUSINESS.name,
    description:
      "The business named in replies (`{{business}}`) and in the model's instructions (at most 80 characters).",
  },
  {
    name: "BUSINESS_DESCRIPTION",
    default: DEFAULT_BUSINESS.description,
    description: "What the business does, one line (at most 300 characters), for the model's instructions.",
  },
  {
    name: "AUTO_REPLY_WINDOW",
    default: "7d",
    description: "At most one automatic reply per sender per window.",
  },
  { name: "SEND_RATE", default: "10", description: "Outgoing e-mails per second, all instances together." },
  {
    name: "ACK_HUMAN_REPLY",
    default: "true",
    description: "Acknowledge speak_to_human mail (`true`/`false`).",
  },
  {
    name: "UNKNOWN_AUTO_REPLY",
    default: "false",
    description: "Send an acknowledgement to `unknown` mail too.",
  },
  {
    name: "AUTOMATED_ACTION",
    default: "none",
    description: "Automated mail (bounces, lists, auto-replies): `none` or `handoff`.",
  },
  {
    name: "CONVERSATION_GUESS_WINDOW",
    default: "3d",
    description:
      "Mail without threading headers follows an earlier one from the same address with the same " +
      "subject this recent (a follow-up: it goes to a person).",
  },
  {
    name: "RETENTION_JOBS",
    default: "14d",
    description:
      "Done jobs are deleted this long after they finished (hourly, in batches); failed jobs stay.",
  },
  {
    name: "RETENTION_RAW",
    default: "90d",
    description:
      "Raw bytes of processed emails are dropped after this, only where the original is still at its " +
      "location (S3 processed prefix, processed folder); `off` keeps them. Emails and effects stay.",
  },
  { name: "SES_CONFIGURATION_SET", default: "", description: "SES configuration set for sent mail." },
  {
    name: "SES_FEEDBACK_QUEUE_URL",
    default: "",
    description:
      "SQS queue of SES bounce, complaint and delivery notifications (SNS → SQS, or raw). Empty: off.",
  },
  {
    name: "SES_FEEDBACK_TOPIC_ARNS",
    default: "",
    description:
      "Comma-separated SNS topics whose messages the SNS endpoint (SNS_LISTEN_ADDR) reads as feedback.",
  },
  {
    name: "SUPPRESS_SOFT_BOUNCES",
    default: "3",
    description:
      "Transient or Undetermined bounces (never Transient/General) within SUPPRESS_SOFT_WINDOW that suppress an address.",
  },
  {
    name: "SUPPRESS_SOFT_WINDOW",
    default: "14d",
    description: "The window in which SUPPRESS_SOFT_BOUNCES soft bounces suppress an address.",
  },
  {
    name: "SQS_QUEUE_URL",
    default: "",
    description: "Queue of SES receipt notifications (SNS → SQS); long-polled instead of listing the bucket.",
  },
  { name: "SQS_ENDPOINT", default: "", description: "SQS-compatible endpoint URL. Empty: AWS." },
  {
    name: "SQS_BAD_MESSAGES",
    default: "delete",
    description:
      "A notification that is not usable (recorded in source_errors): `delete`, or `keep` for the DLQ.",
  },
  {
    name: "SNS_LISTEN_ADDR",
    default: "",
    description: "host:port of the SNS HTTPS-subscription endpoint (behind a TLS proxy). Empty: off.",
  },
  {
    name: "SNS_TOPIC_ARNS",
    default: "",
    description: "Comma-separated topic ARNs the SNS endpoint accepts.",
  },
  {
    name: "SNS_REQUEST_TIMEOUT",
    default: "10s",
    description:
      "A POST body to the SNS endpoint not received in full by then is answered 408 (SNS sends at once).",
  },
  {
    name: "SNS_MAX_IN_FLIGHT",
    default: "32",
    description:
      "Requests the SNS endpoint handles at once (1–1000); more are answered 503, and SNS retries.",
  },
  {
    name: "S3_CATCHUP_INTERVAL",
    default: "15m",
    description:
      "With SQS or SNS: how often SES_BUCKET is listed for what notifications missed; required unless 0 (never).",
  },
  {
    name: "METRICS_ADDR",
    default: "127.0.0.1:9464",
    description: "host:port of /healthz and /metrics (Prometheus). Set empty (or `off`) to disable.",
  },
  {
    name: "CONSOLE_ADDR",
    default: "127.0.0.1:8025",
    description:
      "host:port of the review console (served by `run`, or alone by `console`). Empty or `off`: none.",
  },
  {
    name: "CONSOLE_URL",
    default: "",
    description:
      "The console's public base URL, for links (https: cookies are Secure). Empty: http://CONSOLE_ADDR.",
  },
  {
    name: "CONSOLE_PASSWORD",
    default: "",
    description: "Shared console password. Empty (and no file): a one-time login link is printed at start.",
  },
  {
    name: "CONSOLE_PASSWORD_FILE",
    default: "",
    description: "File whose first line is the console password (systemd credentials, secrets mounts).",
  },
  {
    name: "CONSOLE_TRUSTED_USER_HEADER",
    default: "",
    description:
      "Header in which a trusted reverse proxy (oauth2-proxy) names the logged-in user, e.g. X-Forwarded-User.",
  },
  {
    name: "CONSOLE_TRUSTED_PROXIES",
    default: "",
    description:
      "Comma list of IPs/CIDRs that header is believed from (needed with it); from others it is ignored.",
  },
];

/** Thrown when the environment is invalid; its message lists every problem, one per line. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Parses a duration: `250ms`, `10s`, `5m`, `1h`, `7d`, or a bare number of seconds. NaN when invalid. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) return NaN;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? "s") as "ms" | "s"];
  return Math.round(Number(m[1]) * unit);
}

/** Reads and validates the configuration from `env` (by default the process environment). */
export function loadConfig(env: (name: string) => string | undefined = (n) => Deno.env.get(n)): Config {
  const problems: string[] = [];
  const spec = new Map(CONFIG_VARS.map((v) => [v.name, v]));
  const str = (name: string): string => {
    const value = env(name)?.trim();
    return value === undefined || value === "" ? spec.get(name)!.default : value;
  };
  const opt = (name: string) => str(name) || undefined;
  const int = (name: string, min: number, max: number): number => {
    const text = str(name);
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < min || n > max) {
      problems.push(`${name}=${JSON.stringify(text)}: expected a whole number from ${min} to ${max}`);
    }
    return n;
  };
  const duration = (name: string, minMs: number): number => {
    const ms = parseDuration(str(name));
    if (!(ms >= minMs)) {
      problems.push(
        `${name}=${
          JSON.stringify(str(name))
        }: expected a duration of at least ${minMs} ms, like 500ms, 10s or 2m`,
      );
    }
    return ms;
  };
  const oneOf = <T extends string>(name: string, values: readonly T[]): T => {
    const value = str(name);
    if (!values.includes(value as T)) {
      problems.push(`${name}=${JSON.stringify(value)}: expected one of ${values.join(", ")}`);
    }
    return value as T;
  };
  const bool = (name: string): boolean => {
    const value = str(name).toLowerCase();
    if (!["true", "false", "1", "0", "yes", "no"].includes(value)) {
      problems.push(`${name}=${JSON.stringify(value)}: expected true or false`);
    }
    return ["true", "1", "yes"].includes(value);
  };
  const url = (name: string, protocols: string[], hint = ""): string | undefined => {
    const value = opt(name);
    if (value === undefined) return undefined;
    let ok = false;
    try {
      ok = protocols.includes(new URL(value).protocol);
    } catch { /* reported below */ }
    if (!ok) {
      problems.push(
        `${name}: not a valid ${protocols.join(" or ")} URL (value hidden: it may hold a password)${hint}`,
      );
    }
    return value;
  };

  const config: Config = {
    databaseUrl: url(
      "DATABASE_URL",
      ["postgres:", "postgresql:"],
      "; like postgres://USER:PASSWORD@HOST:5432/DB, or over a Unix socket " +
        "postgresql:///DB?host=/var/run/postgresql&user=USER",
    ),
    databaseSchema: opt("DATABASE_SCHEMA"),
    databasePoolSize: int("DATABASE_POOL_SIZE", 1, 100),
    databaseConnectTimeoutMs: duration("DATABASE_CONNECT_TIMEOUT", 1000),
    dataDir: str("DATA_DIR"),
    sesBucket: opt("SES_BUCKET"),
    sesPrefix: str("SES_PREFIX"),
    s3Endpoint: url("S3_ENDPOINT", ["http:", "https:"]),
    s3ProcessedPrefix: str("S3_PROCESSED_PREFIX"),
    s3AfterIngest: oneOf("S3_AFTER_INGEST", ["move", "delete"] as const),
    awsRegion: str("AWS_REGION"),
    inboxDir: str("INBOX_DIR"),
    workerConcurrency: int("WORKER_CONCURRENCY", 1, 256),
    pollIntervalMs: duration("POLL_INTERVAL", 100),
    jobLeaseMs: duration("JOB_LEASE", 1000),
    jobMaxAttempts: int("JOB_MAX_ATTEMPTS", 1, 100),
    jobBackoffMs: duration("JOB_BACKOFF", 10),
    shutdownTimeoutMs: duration("SHUTDOWN_TIMEOUT", 0),
    maxMessageBytes: int("MAX_MESSAGE_BYTES", 1024, 1024 ** 3),
    parseTimeoutMs: duration("PARSE_TIMEOUT", 10),
    logLevel: oneOf("LOG_LEVEL", ["debug", "info", "warning", "error"] as const),
    logFormat: oneOf("LOG_FORMAT", ["auto", "json", "pretty"] as const),
    openaiApiKey: opt("OPENAI_API_KEY"),
    openaiBaseUrl: url("OPENAI_BASE_URL", ["http:", "https:"]),
    openaiModel: str("OPENAI_MODEL"),
    llmTimeoutMs: duration("LLM_TIMEOUT", 100),
    classifyMaxChars: int("CLASSIFY_MAX_CHARS", 200, 100_000),
    ownAddresses: str("OWN_ADDRESSES").split(",").map((a) => a.trim().toLowerCase()).filter(Boolean),
    mailTransport: oneOf("MAIL_TRANSPORT", ["file", "ses"] as const),
    outboxDir: str("OUTBOX_DIR"),
    replyFrom: str("REPLY_FROM"),
    humanEmail: opt("HUMAN_EMAIL"),
    crmWebhookUrl: url("CRM_WEBHOOK_URL", ["http:", "https:"]),
    escalationWebhookUrl: url("ESCALATION_WEBHOOK_URL", ["http:", "https:"]),
    webhookSecret: opt("WEBHOOK_SECRET"),
    webhookTimeoutMs: duration("WEBHOOK_TIMEOUT", 100),
    pricingUrl: str("PRICING_URL"),
    docsUrl: str("DOCS_URL"),
    signupUrl: str("SIGNUP_URL"),
    templatesDir: opt("TEMPLATES_DIR"),
    businessName: str("BUSINESS_NAME"),
    businessDescription: str("BUSINESS_DESCRIPTION"),
    autoReplyWindowMs: duration("AUTO_REPLY_WINDOW", 0),
    sendRatePerSecond: int("SEND_RATE", 1, 10_000),
    ackHumanReply: bool("ACK_HUMAN_REPLY"),
    unknownAutoReply: bool("UNKNOWN_AUTO_REPLY"),
    automatedAction: oneOf("AUTOMATED_ACTION", ["none", "handoff"] as const),
    conversationGuessWindowMs: duration("CONVERSATION_GUESS_WINDOW", 0),
    retentionJobsMs: duration("RETENTION_JOBS", 60_000),
    retentionRawMs: str("RETENTION_RAW") === "off" ? undefined : duration("RETENTION_RAW", 60_000),
    sesConfigurationSet: opt("SES_CONFIGURATION_SET"),
    sesFeedbackQueueUrl: url("SES_FEEDBACK_QUEUE_URL", ["http:", "https:"]),
    sesFeedbackTopicArns: str("SES_FEEDBACK_TOPIC_ARNS").split(",").map((a) => a.trim()).filter(Boolean),
    suppressSoftBounces: int("SUPPRESS_SOFT_BOUNCES", 1, 1000),
    suppressSoftWindowMs: duration("SUPPRESS_SOFT_WINDOW", 60_000),
    sqsQueueUrl: url("SQS_QUEUE_URL", ["http:", "https:"]),
    sqsEndpoint: url("SQS_ENDPOINT", ["http:", "https:"]),
    sqsBadMessages: oneOf("SQS_BAD_MESSAGES", ["delete", "keep"] as const),
    snsListenAddr: opt("SNS_LISTEN_ADDR"),
    snsTopicArns: str("SNS_TOPIC_ARNS").split(",").map((a) => a.trim()).filter(Boolean),
    snsRequestTimeoutMs: duration("SNS_REQUEST_TIMEOUT", 100),
    snsMaxInFlight: int("SNS_MAX_IN_FLIGHT", 1, 1000),
    s3CatchupIntervalMs: duration("S3_CATCHUP_INTERVAL", 0),
    // Unlike the others, set-but-empty means "off" (the default applies only when the variable is absent).
    metricsAddr: ["", "off"].includes(env("METRICS_ADDR")?.trim() ?? "127.0.0.1:9464")
      ? undefined
      : str("METRICS_ADDR"),
    consoleAddr: ["", "off"].includes(env("CONSOLE_ADDR")?.trim() ?? "127.0.0.1:8025")
      ? undefined
      : str("CONSOLE_ADDR"),
    consoleUrl: url("CONSOLE_URL", ["http:", "https:"])?.replace(/\/+$/, ""),
    consolePassword: consolePassword(env, problems),
    consoleTrustedUserHeader: opt("CONSOLE_TRUSTED_USER_HEADER"),
    consoleTrustedProxies: str("CONSOLE_TRUSTED_PROXIES").trim(),
  };
  problems.push(...trustedProxyProblems(config.consoleTrustedUserHeader, config.consoleTrustedProxies));
  if (config.consoleAddr !== undefined && !/^[^\s]+:\d{1,5}$/.test(config.consoleAddr)) {
    problems.push(`CONSOLE_ADDR=${JSON.stringify(config.consoleAddr)}: expected host:port, or off`);
  }
  if (config.metricsAddr !== undefined && !/^[^\s]+:\d{1,5}$/.test(config.metricsAddr)) {
    problems.push(`METRICS_ADDR=${JSON.stringify(config.metricsAddr)}: expected host:port, or off`);
  }
  if (config.snsListenAddr !== undefined) {
    if (!/^[^:\s]+:\d{1,5}$/.test(config.snsListenAddr)) {
      problems.push(
        `SNS_LISTEN_ADDR=${JSON.stringify(config.snsListenAddr)}: expected host:port, like 127.0.0.1:8080`,
      );
    }
    if (config.snsTopicArns.length === 0 && config.sesFeedbackTopicArns.length === 0) {
      problems.push(
        "SNS_TOPIC_ARNS: set the topic ARNs to accept when SNS_LISTEN_ADDR is set (nothing is accepted)",
      );
    }
  } else if (config.sesFeedbackTopicArns.length > 0) {
    problems.push(
      "SES_FEEDBACK_TOPIC_ARNS: set SNS_LISTEN_ADDR too (the SNS endpoint receives them), or use SES_FEEDBACK_QUEUE_URL",
    );
  }
  // A notification lost to the dead-letter queue (a database outage, a bug) leaves its object under
  // SES_PREFIX: only the catch-up listing brings it in, so push ingestion goes without it only when told to.
  if (inboundPush(config) && !config.sesBucket && config.s3CatchupIntervalMs > 0) {
    problems.push(
      "SES_BUCKET: set it with SQS_QUEUE_URL or SNS_LISTEN_ADDR, so the bucket is listed every " +
        "S3_CATCHUP_INTERVAL for what a notification missed; or set S3_CATCHUP_INTERVAL=0 to go without",
    );
  }
  if (!/@[^@\s>]+\.[^@\s>]+/.test(config.replyFrom)) {
    problems.push(
      `REPLY_FROM=${JSON.stringify(config.replyFrom)}: expected an address, like "Acme <hello@x.com>"`,
    );
  }
  if (config.humanEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(config.humanEmail)) {
    problems.push(
      `HUMAN_EMAIL=${JSON.stringify(config.humanEmail)}: expected one address, like support@x.com`,
    );
  }
  for (const a of config.ownAddresses) {
    if (!/^[^@\s]*@[^@\s]+\.[^@\s]+$/.test(a)) {
      problems.push(`OWN_ADDRESSES: "${a}" is neither an address (name@domain) nor a domain (@domain)`);
    }
  }
  if (config.databaseSchema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(config.databaseSchema)) {
    problems.push(
      `DATABASE_SCHEMA=${JSON.stringify(config.databaseSchema)}: use lower-case letters, digits and _`,
    );
  }
  if (!!opt("AWS_ACCESS_KEY_ID") !== !!opt("AWS_SECRET_ACCESS_KEY")) {
    problems.push(
      "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY: set both, or neither (to use the instance role)",
    );
  }
  if (config.s3ProcessedPrefix === "" || config.s3ProcessedPrefix === config.sesPrefix) {
    problems.push(
      "S3_PROCESSED_PREFIX: must be non-empty and differ from SES_PREFIX, or ingested mail is read again",
    );
  }
  problems.push(...oneLineProblems("BUSINESS_NAME", config.businessName, 80));
  problems.push(...oneLineProblems("BUSINESS_DESCRIPTION", config.businessDescription, 300));
  const unsafe = env("UNSAFE_ACTION")?.trim();
  if (unsafe && unsafe !== "handoff") {
    problems.push(
      `UNSAFE_ACTION=${
        JSON.stringify(unsafe)
      }: no longer a setting (every email a person wrote ends answered ` +
        "or with a person): remove it",
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** Whether inbound mail is pushed (SQS, or SNS topics of receipts), not listed; feedback topics alone are not. */
export function inboundPush(config: Config): boolean {
  return !!config.sqsQueueUrl || (!!config.snsListenAddr && config.snsTopicArns.length > 0);
}

/**
 * Settings that work but weaken a guarantee; the daemon logs each at start. A draining worker renews its
 * leases until the drain ends, but with a lease shorter than the drain one missed renewal (a slow or
 * restarting database) lets another instance take a job this one is still running, and run it twice.
 */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (config.jobLeaseMs <= config.shutdownTimeoutMs) {
    warnings.push(
      `JOB_LEASE (${config.jobLeaseMs} ms) is not longer than SHUTDOWN_TIMEOUT (${config.shutdownTimeoutMs} ms): ` +
        "if lease renewals fail during a drain, another instance may run a draining job a second time; " +
        "set JOB_LEASE above SHUTDOWN_TIMEOUT",
    );
  }
  return warnings;
}

/** What is wrong with CONSOLE_TRUSTED_USER_HEADER and CONSOLE_TRUSTED_PROXIES (they go together). */
function trustedProxyProblems(header: string | undefined, proxies: string): string[] {
  if (header === undefined && proxies === "") return [];
  if (header === undefined) {
    return ["CONSOLE_TRUSTED_PROXIES is set without CONSOLE_TRUSTED_USER_HEADER: set both, or neither"];
  }
  const problems: string[] = [];
  if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(header)) {
    problems.push(
      `CONSOLE_TRUSTED_USER_HEADER=${JSON.stringify(header)}: not a header name (like X-Forwarded-User)`,
    );
  }
  const { cidrs, invalid } = parseProxies(proxies);
  if (cidrs.length === 0 && invalid.length === 0) {
    problems.push(
      "CONSOLE_TRUSTED_USER_HEADER needs CONSOLE_TRUSTED_PROXIES (the proxy's addresses, e.g. 127.0.0.1): " +
        "without it anyone could send the header and be logged in as whoever they name",
    );
  }
  for (const item of invalid) {
    problems.push(`CONSOLE_TRUSTED_PROXIES: "${item}" is not an IP address or CIDR range (like 10.0.0.0/8)`);
  }
  return problems;
}

/** The console password: CONSOLE_PASSWORD, or the first line of CONSOLE_PASSWORD_FILE (not both). */
function consolePassword(env: (name: string) => string | undefined, problems: string[]): string | undefined {
  const value = env("CONSOLE_PASSWORD") || undefined;
  const file = env("CONSOLE_PASSWORD_FILE")?.trim() || undefined;
  if (value && file) {
    problems.push("CONSOLE_PASSWORD and CONSOLE_PASSWORD_FILE: set one of them, not both");
    return value;
  }
  let password = value;
  if (file) {
    try {
      password = Deno.readTextFileSync(file).split(/\r?\n/)[0];
    } catch (error) {
      problems.push(
        `CONSOLE_PASSWORD_FILE=${JSON.stringify(file)}: cannot read it (${(error as Error).message})`,
      );
      return undefined;
    }
  }
  // A short shared password on a login page is guessed; the rate limit slows that, length stops it.
  if (password !== undefined && password.length < 12) {
    problems.push("CONSOLE_PASSWORD: use at least 12 characters (the value is not shown)");
  }
  return password;
}

/** A value that goes into replies and the model's instructions: one line of printable text, bounded. */
function oneLineProblems(name: string, value: string, max: number): string[] {
  const problems: string[] = [];
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(value)) {
    problems.push(`${name}: use one line of text (no line breaks or control characters)`);
  }
  if ([...value].length > max) {
    problems.push(`${name}: at most ${max} characters (it has ${[...value].length})`);
  }
  return problems;
}
