/**
 * The SNS HTTP(S) endpoint: SNS POSTs each message to it and retries anything not answered 2xx, so a
 * notification is answered 200 only after `onNotification` resolved (its row is committed). Every message is
 * verified (signature, freshness, certificate host) and its topic must be on the allow-list. TLS is left to a
 * reverse proxy or load balancer in front (SNS needs a certificate from a public CA for an https: endpoint).
 * Anyone can POST here: a body must arrive within a deadline, few requests are handled at once (the rest are
 * answered 503 at once), and a body without a TopicArn is refused before anything of it is logged.
 */
import type { Logger } from "@logtape/logtape";
import { clip } from "../clip.ts";
import { errorText, log as logger } from "../log.ts";
import { count } from "../metrics.ts";
import { readBody } from "./http_body.ts";
import {
  snsHostOf,
  type SnsMessage,
  snsUrlProblem,
  SnsVerificationError,
  type SnsVerifyOptions,
  verifySnsMessage,
} from "./sns_verify.ts";

/** Options of {@linkcode startSnsEndpoint}. */
export interface SnsEndpointOptions {
  /** "host:port" (`[::1]:8080` for IPv6); port 0 picks a free one. */
  addr: string;
  /** The topics whose messages are accepted; empty rejects everything. */
  topicArns: string[];
  /**
   * Stores one notification. Gets the request body (the SNS envelope JSON, as SQS would hand it) and the
   * verified message. Resolves only after the row is committed; throws to make SNS retry.
   */
  onNotification: (text: string, msg: SnsMessage) => Promise<void>;
  verify?: SnsVerifyOptions;
  /** Confirms a subscription; by default GETs the SubscribeURL (already checked to be an SNS host's https:). */
  confirm?: (url: string) => Promise<void>;
  log?: Logger;
  /** Larger bodies are answered 413; 512 KiB by default. */
  maxBodyBytes?: number;
  /** A body that has not arrived in full by then is answered 408 (SNS_REQUEST_TIMEOUT); 10 s by default. */
  requestTimeoutMs?: number;
  /** Requests handled at once; more are answered 503 without reading them (SNS_MAX_IN_FLIGHT); 32 by default. */
  maxInFlight?: number;
}

/** A running endpoint. */
export interface SnsEndpoint {
  addr: Deno.NetAddr;
  /** Stops accepting, and waits for the requests in progress (so their rows are committed or not, and answered). */
  shutdown(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * An SNS message is at most 256 KiB, and JSON-escaping it inside the envelope adds to that (a quote becomes
 * two bytes): twice the maximum covers any real message and still refuses a flood.
 */
const DEFAULT_MAX_BODY = 512 * 1024;
const CONFIRM_TIMEOUT_MS = 10_000;
/**
 * SNS sends a whole body at once (at most 512 KiB) and gives up on an answer after 15 s: a body still
 * arriving after 10 s is not from SNS, and SNS retries anything we cut by mistake.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/**
 * A request holds at most its 512 KiB body, its text and its parsed JSON (~2.5 MiB): 32 at once is ~80 MiB at
 * worst, within the unit's MemoryMax, and far above what SES mail needs (SNS sends one message per mail).
 */
export const DEFAULT_MAX_IN_FLIGHT = 32;

/** Starts the endpoint on `options.addr`. */
export function startSnsEndpoint(options: SnsEndpointOptions): SnsEndpoint {
  const log = options.log ?? logger("sns");
  const topics = new Set(options.topicArns);
  if (topics.size === 0) {
    log.warn("SNS endpoint has no allowed topics (SNS_TOPIC_ARNS is empty): every message is rejected");
  }
  const handle = handler(options, topics, log);
  const server = Deno.serve({
    ...parseListenAddr(options.addr),
    onListen: () => {},
    onError: (error) => {
      log.error("SNS endpoint failed on a request: {error}", { error: errorText(error) });
      return text(500, "Internal error");
    },
  }, handle);
  log.info("SNS endpoint listening on {hostname}:{port} for {count} topics", {
    hostname: server.addr.hostname,
    port: server.addr.port,
    count: topics.size,
  });
  return {
    addr: server.addr,
    shutdown: () => server.shutdown(),
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

/** Splits "host:port" (or "[v6]:port"); throws "Cannot parse listen address: …" when it is neither. */
export function parseListenAddr(addr: string): { hostname: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(addr.trim());
  const port = Number(match?.[3]);
  if (!match || port > 65535) {
    throw new Error(
      `Cannot parse listen address: ${JSON.stringify(addr)} is not host:port (e.g. 0.0.0.0:8080)`,
    );
  }
  return { hostname: match[1] ?? match[2], port };
}

function handler(
  options: SnsEndpointOptions,
  topics: Set<string>,
  log: Logger,
): (req: Request) => Promise<Response> {
  const maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  const handleOne = oneRequest(options, topics, log);
  let inFlight = 0;
  let busy = false; // logged once per busy spell, not once per refused request
  return async (req) => {
    if (req.method !== "POST") return text(405, "Only POST is accepted", { Allow: "POST" });
    if (inFlight >= maxInFlight) {
      await req.body?.cancel();
      count("ses_daemon_bot_sns_requests_refused_total", REFUSED_HELP, { reason: "busy" });
      if (!busy) {
        log.warn("SNS endpoint busy: {count} requests in flight (SNS_MAX_IN_FLIGHT); answering 503", {
          count: inFlight,
        });
      }
      busy = true;
      return text(503, "Busy; retry", { "Retry-After": "1" });
    }
    inFlight++;
    try {
      return await handleOne(req);
    } finally {
      inFlight--;
      if (inFlight < maxInFlight / 2) busy = false;
    }
  };
}

const REFUSED_HELP = "SNS endpoint requests refused before reading them whole, by reason.";

function oneRequest(
  options: SnsEndpointOptions,
  topics: Set<string>,
  log: Logger,
): (req: Request) => Promise<Response> {
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const confirm = options.confirm ?? confirmSubscription;
  return async (req) => {
    const body = await readBody(req, maxBody, timeoutMs);
    if ("tooLarge" in body) return text(413, `Body over ${maxBody} bytes`);
    if ("timedOut" in body) {
      count("ses_daemon_bot_sns_requests_refused_total", REFUSED_HELP, { reason: "timeout" });
      return text(408, `Body not received within ${timeoutMs} ms`, { Connection: "close" });
    }
    let value: unknown;
    try {
      value = JSON.parse(body.text);
    } catch {
      return text(400, "Body is not JSON");
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return text(400, "Body is not an SNS message");
    }
    const msg = value as SnsMessage;
    if (typeof msg.TopicArn !== "string" || msg.TopicArn === "") {
      if (("notificationType" in msg || "eventType" in msg) && !("Type" in msg)) {
        // Raw message delivery sends the bare SES JSON to HTTP(S) endpoints, and SNS does not sign it.
        log.warn("SNS message refused: unsigned raw delivery; turn raw message delivery off");
        return text(403, "Unsigned: turn raw message delivery off for this subscription");
      }
      // Every SNS message names its topic: anything else is not from SNS, and none of it is logged.
      log.warn("SNS endpoint refused a POST without TopicArn ({bytes} bytes): not an SNS message", {
        bytes: body.text.length,
      });
      return text(400, "No TopicArn: not an SNS message");
    }
    // Unverified yet, so cut short: a forged field must not fill the logs.
    const ctx = {
      type: clip(String(msg.Type), 40),
      messageId: clip(String(msg.MessageId), 80),
      topicArn: clip(msg.TopicArn),
    };
    if (!topics.has(msg.TopicArn)) {
      // Before verifying: anyone can have SNS sign messages of their own topic, so only the list tells ours.
      log.warn(
        "SNS message refused: topic {topicArn} is not in SNS_TOPIC_ARNS (nor SES_FEEDBACK_TOPIC_ARNS)",
        ctx,
      );
      return text(403, topics.size ? "Topic not allowed" : "No topic allowed (SNS_TOPIC_ARNS is empty)");
    }
    try {
      await verifySnsMessage(msg, options.verify);
    } catch (error) {
      if (error instanceof SnsVerificationError) {
        log.warn("SNS message {messageId} refused: {reason}", { ...ctx, reason: error.message });
        return text(403, error.message);
      }
      log.error("SNS message {messageId} not verified for now: {error}", { ...ctx, error: errorText(error) });
      return text(503, "Cannot verify the message now; retry");
    }
    if (msg.Type === "SubscriptionConfirmation") {
      return await subscribe(msg, confirm, options.verify, log, ctx);
    }
    if (msg.Type === "UnsubscribeConfirmation") {
      log.warn("SNS unsubscribed this endpoint from {topicArn}: no more notifications from it", ctx);
      return text(200, "OK");
    }
    try {
      await options.onNotification(body.text, msg);
    } catch (error) {
      log.error("SNS notification {messageId} not stored (SNS retries): {error}", {
        ...ctx,
        error: errorText(error),
      });
      return text(500, "Cannot store the notification; retry");
    }
    return text(200, "OK");
  };
}

async function subscribe(
  msg: SnsMessage,
  confirm: (url: string) => Promise<void>,
  verify: SnsVerifyOptions | undefined,
  log: Logger,
  ctx: Record<string, string>,
): Promise<Response> {
  // The URL is signed, but confirming means a GET to it: only to SNS itself. Its Token is never logged.
  // Verified, so the topic's host is known. UnsubscribeURL is never visited, so it needs no check.
  const problem = snsUrlProblem(msg.SubscribeURL!, snsHostOf(msg.TopicArn)!, {
    unsafeAllowHost: verify?.unsafeAllowCertHost,
    kind: "subscribe",
  });
  if (problem) {
    log.warn("SNS subscription to {topicArn} refused: SubscribeURL {problem}", { ...ctx, problem });
    return text(403, `SubscribeURL ${problem}`);
  }
  try {
    await confirm(msg.SubscribeURL!);
  } catch (error) {
    log.error("Cannot confirm the SNS subscription to {topicArn}: {error}", {
      ...ctx,
      error: errorText(error),
    });
    return text(500, "Cannot confirm the subscription; retry");
  }
  log.info("SNS subscription to {topicArn} confirmed", ctx);
  return text(200, "OK");
}

/** The default confirmation: a GET of the SubscribeURL; any 2xx confirms it. */
async function confirmSubscription(url: string): Promise<void> {
  const what = "Cannot confirm subscription";
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), CONFIRM_TIMEOUT_MS);
  let res: Response;
  try {
    res = await fetch(url, { redirect: "error", signal: abort.signal });
  } catch (error) {
    if (abort.signal.aborted) throw new Error(`${what}: timed out after ${CONFIRM_TIMEOUT_MS} ms`);
    // Fetch errors quote the URL, and its Token lets anyone confirm the subscription: keep the origin only,
    // and should the URL be quoted in another spelling, still no token.
    const reason = withCause(error).replaceAll(url, new URL(url).origin).replace(
      /Token=[^&\s)]+/g,
      "Token=…",
    );
    throw new Error(`${what}: ${reason}`);
  } finally {
    clearTimeout(timer);
  }
  await res.body?.cancel();
  if (!res.ok) throw new Error(`${what}: SNS answered ${res.status} ${res.statusText}`);
}

/** Deno's fetch says "fetch failed" and puts the reason (DNS, TLS, refused) in `cause`. */
function withCause(error: unknown): string {
  const cause = (error as { cause?: unknown })?.cause;
  return cause instanceof Error ? `${errorText(error)}: ${cause.message}` : errorText(error);
}

function text(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { "Content-Type": "text/plain; charset=utf-8", ...headers } });
}
