/**
 * Verifies the signature of an SNS message (HTTPS delivery), as AWS specifies it in "Verifying the signatures
 * of Amazon SNS messages": RSA over a canonical string of the message's fields, with the certificate that
 * `SigningCertURL` names. The certificate is trusted because it is fetched over HTTPS from an SNS host, so
 * that URL is checked before anything is fetched.
 */
import { createVerify, X509Certificate } from "node:crypto";
import { clip } from "../clip.ts";

/** An SNS message as delivered over HTTP(S): a notification or a subscription (un)confirmation. */
export interface SnsMessage {
  Type: "Notification" | "SubscriptionConfirmation" | "UnsubscribeConfirmation" | string;
  MessageId: string;
  TopicArn: string;
  Message: string;
  /** ISO 8601; when SNS published the message, the same on every retry. */
  Timestamp: string;
  /** "1": SHA1withRSA; "2": SHA256withRSA. */
  SignatureVersion: string;
  /** Base64. */
  Signature: string;
  SigningCertURL: string;
  /** Notifications only, and only when the publisher gave one. */
  Subject?: string;
  /** (Un)subscribe confirmations only. */
  Token?: string;
  SubscribeURL?: string;
  UnsubscribeURL?: string;
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

/** Why a message was refused: unsigned, badly signed, stale, or signed with a certificate we do not trust. */
export class SnsVerificationError extends Error {
  constructor(reason: string) {
    // Logged and answered: a reason can quote a forged field of any length (a 500 KB Type).
    super(`Cannot verify SNS message: ${clip(reason)}`);
    this.name = "SnsVerificationError";
  }
}

/** Options of {@linkcode verifySnsMessage}. */
export interface SnsVerifyOptions {
  /** Returns the PEM at an (already checked) URL; {@linkcode fetchCertificate} by default. Caches per function. */
  fetchCert?: (url: string) => Promise<string>;
  /** The clock, in milliseconds since the epoch. */
  now?: number;
  /** Oldest `Timestamp` accepted; one hour by default. */
  maxAgeMs?: number;
  /**
   * TESTS ONLY: accepts a certificate (and SubscribeURL) host that is not the topic's SNS host. Anyone
   * who can serve a certificate from an allowed host can sign any message: never set it in production.
   */
  unsafeAllowCertHost?: (host: string) => boolean;
}

/**
 * SNS keeps a message's `Timestamp` on every retry, and an HTTPS subscription's retries stop within 3,600 s (a
 * hard limit of SNS delivery policies): an hour lets every genuine retry through and bounds replays.
 */
const DEFAULT_MAX_AGE_MS = 60 * 60 * 1000;
/** Tolerated clock skew for timestamps ahead of ours. */
const MAX_FUTURE_MS = 5 * 60 * 1000;
/** SNS signs with one certificate per region, rotated rarely: 16 is plenty, and bounds memory whatever comes. */
const CERT_CACHE_SIZE = 16;
/** A certificate is ~2 KB; anything much larger is not one. */
const MAX_CERT_BYTES = 64 * 1024;
const CERT_TIMEOUT_MS = 10_000;

/**
 * A region as AWS names them: `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`. Not `s3` nor
 * `s3-accelerate`: `sns.s3.amazonaws.com` is an S3 host (any bucket named `sns`), which a pattern of any label
 * between `sns.` and `.amazonaws.com` accepted.
 */
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;
const TOPIC_ARN = /^arn:(aws|aws-cn|aws-us-gov):sns:([^:]+):\d{12}:[\w.-]{1,256}$/;

const ALGORITHMS: Record<string, string> = { "1": "RSA-SHA1", "2": "RSA-SHA256" };

/** The signed fields of each message type, in AWS's (alphabetical) order. */
const SIGNED_FIELDS: Record<string, readonly (keyof SnsMessage)[]> = {
  Notification: ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"],
  SubscriptionConfirmation: [
    "Message",
    "MessageId",
    "SubscribeURL",
    "Timestamp",
    "Token",
    "TopicArn",
    "Type",
  ],
  UnsubscribeConfirmation: ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"],
};

/**
 * The one host that serves the signing certificate and the SubscribeURL of a topic: SNS in the topic's region,
 * `sns.<region>.amazonaws.com` (China: `.amazonaws.com.cn`). Undefined when `topicArn` is not an SNS topic ARN.
 */
export function snsHostOf(topicArn: string): string | undefined {
  const [, partition, region] = TOPIC_ARN.exec(topicArn) ?? [];
  if (!region || !REGION.test(region)) return undefined;
  return `sns.${region}.${partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com"}`;
}

/**
 * The text that SNS signs: "Name\nvalue\n" for each signed field of the message's type, in order. `Subject` is
 * left out when the message has none. Throws for a type SNS does not sign.
 */
export function stringToSign(msg: SnsMessage): string {
  const fields = SIGNED_FIELDS[msg.Type];
  if (!fields) throw new SnsVerificationError(`unknown Type ${JSON.stringify(msg.Type)}`);
  let text = "";
  for (const name of fields) {
    const value = msg[name];
    if (name === "Subject" && typeof value !== "string") continue;
    text += `${name}\n${value}\n`;
  }
  return text;
}

/**
 * Resolves when `msg` is signed by SNS and fresh; throws {@linkcode SnsVerificationError} with the reason
 * otherwise. Any other error (the certificate host unreachable, a 5xx) is transient: answer so SNS retries.
 */
export async function verifySnsMessage(msg: SnsMessage, options: SnsVerifyOptions = {}): Promise<void> {
  if (typeof msg !== "object" || msg === null) throw new SnsVerificationError("not a JSON object");
  if (typeof msg.Type !== "string") throw new SnsVerificationError("no Type field");
  const fields = SIGNED_FIELDS[msg.Type];
  if (!fields) throw new SnsVerificationError(`unknown Type ${JSON.stringify(msg.Type)}`);
  for (const name of [...fields, "SignatureVersion", "Signature", "SigningCertURL"] as const) {
    if (name === "Subject" && (msg.Subject === undefined || typeof msg.Subject === "string")) continue;
    if (typeof msg[name] !== "string" || (name !== "Message" && msg[name] === "")) {
      throw new SnsVerificationError(`no ${name} field (unsigned or not from SNS)`);
    }
  }
  const algorithm = ALGORITHMS[msg.SignatureVersion];
  if (!algorithm) {
    throw new SnsVerificationError(`SignatureVersion ${JSON.stringify(msg.SignatureVersion)} is not 1 or 2`);
  }
  const now = options.now ?? Date.now();
  checkTimestamp(msg.Timestamp, now, options.maxAgeMs ?? DEFAULT_MAX_AGE_MS);
  const host = snsHostOf(msg.TopicArn);
  if (!host) throw new SnsVerificationError(`TopicArn ${JSON.stringify(msg.TopicArn)} is not an SNS topic`);
  const problem = snsUrlProblem(msg.SigningCertURL, host, {
    unsafeAllowHost: options.unsafeAllowCertHost,
    kind: "certificate",
  });
  if (problem) throw new SnsVerificationError(`SigningCertURL ${problem}`);

  const cert = await certificate(msg.SigningCertURL, options.fetchCert ?? fetchCertificate);
  if (now < Date.parse(cert.validFrom) || now > Date.parse(cert.validTo)) {
    throw new SnsVerificationError(
      `the signing certificate is not valid now (${cert.validFrom} – ${cert.validTo})`,
    );
  }
  const ok = createVerify(algorithm).update(stringToSign(msg), "utf8").verify(
    cert.publicKey,
    msg.Signature,
    "base64",
  );
  if (!ok) throw new SnsVerificationError("the signature does not match the message");
}

/**
 * Why `url` is not an SNS URL to trust, or undefined when it is: https:, exactly `snsHost` (the topic's, from
 * {@linkcode snsHostOf}; or one `unsafeAllowHost` accepts), no port or user; a certificate's also a path
 * ending with `.pem` and no query or fragment. Used for SigningCertURL and, before visiting it, SubscribeURL.
 */
export function snsUrlProblem(
  url: string,
  snsHost: string,
  options: { unsafeAllowHost?: (host: string) => boolean; kind: "certificate" | "subscribe" },
): string | undefined {
  const parsed = URL.parse(url);
  if (!parsed) return "is not a URL";
  if (parsed.protocol !== "https:") return `is not https: (${parsed.protocol})`;
  if (parsed.username || parsed.password) return "carries a user name or password";
  const host = parsed.hostname;
  if (host !== snsHost && !options.unsafeAllowHost?.(host)) {
    return `host ${host} is not ${snsHost} (SNS in the topic's region)`;
  }
  // Only a test host may have a port: SNS serves on 443, and a port on an SNS name is not SNS's service.
  if (parsed.port && host === snsHost) return `has a port (${parsed.port})`;
  if (options.kind === "certificate") {
    if (!parsed.pathname.endsWith(".pem")) return "path does not end with .pem";
    if (parsed.search || parsed.hash) return "has a query or fragment";
  }
  return undefined;
}

/**
 * The default certificate fetcher: GET over HTTPS only, no redirects (a redirect could leave the SNS host),
 * with a timeout and a size cap. An HTTP 4xx means the URL names no certificate ({@linkcode
 * SnsVerificationError}); a network error or 5xx is transient (a plain Error). `client` is for tests that
 * trust their own TLS certificate.
 */
export async function fetchCertificate(
  url: string,
  options: { client?: Deno.HttpClient; timeoutMs?: number } = {},
): Promise<string> {
  const what = `Cannot fetch SNS signing certificate ${url}`;
  if (URL.parse(url)?.protocol !== "https:") throw new SnsVerificationError(`${url} is not https:`);
  const timeoutMs = options.timeoutMs ?? CERT_TIMEOUT_MS;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    const res = await fetch(url, { redirect: "error", signal: abort.signal, client: options.client });
    if (!res.ok) {
      await res.body?.cancel();
      if (res.status >= 400 && res.status < 500) {
        throw new SnsVerificationError(`the signing certificate ${url} answers ${res.status}`);
      }
      throw new Error(`${what}: ${res.status} ${res.statusText}`);
    }
    if (Number(res.headers.get("content-length") ?? 0) > MAX_CERT_BYTES) {
      await res.body?.cancel();
      throw new SnsVerificationError(`the signing certificate ${url} is over ${MAX_CERT_BYTES} bytes`);
    }
    // The host is AWS's (checked before the fetch), so reading the whole body is safe once the length is sane.
    return await res.text();
  } catch (error) {
    if (error instanceof SnsVerificationError) throw error;
    if (abort.signal.aborted) throw new Error(`${what}: timed out after ${timeoutMs} ms`);
    // Deno's fetch says "fetch failed" and puts the reason (DNS, TLS, refused) in `cause`.
    const cause = (error as { cause?: unknown })?.cause;
    throw new Error(`${what}: ${String(error)}${cause instanceof Error ? `: ${cause.message}` : ""}`);
  } finally {
    clearTimeout(timer);
  }
}

/** Parsed certificates by URL, one cache per fetcher, so that tests with their own fetcher never share one. */
const caches = new WeakMap<(url: string) => Promise<string>, Map<string, Promise<X509Certificate>>>();

function certificate(url: string, fetchCert: (url: string) => Promise<string>): Promise<X509Certificate> {
  const cache = caches.get(fetchCert) ?? new Map<string, Promise<X509Certificate>>();
  caches.set(fetchCert, cache);
  const cached = cache.get(url);
  if (cached) return cached;
  // The promise is cached, so concurrent messages fetch once; a failure is forgotten so the next one retries.
  const loading = fetchCert(url).then(parseCertificate);
  loading.catch(() => cache.delete(url));
  if (cache.size >= CERT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(url, loading);
  return loading;
}

function parseCertificate(pem: string): X509Certificate {
  if (pem.length > MAX_CERT_BYTES) throw new SnsVerificationError("the signing certificate is too large");
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch (error) {
    throw new SnsVerificationError(`the signing certificate is unreadable (${(error as Error).message})`);
  }
  if (cert.publicKey.asymmetricKeyType !== "rsa") {
    throw new SnsVerificationError("the signing certificate's key is not RSA");
  }
  return cert;
}

function checkTimestamp(timestamp: string, now: number, maxAgeMs: number): void {
  const at = Date.parse(timestamp);
  if (Number.isNaN(at)) {
    throw new SnsVerificationError(`Timestamp ${JSON.stringify(timestamp)} is not a date`);
  }
  if (now - at > maxAgeMs) {
    throw new SnsVerificationError(`stale: published ${Math.round((now - at) / 1000)} s ago (${timestamp})`);
  }
  if (at - now > MAX_FUTURE_MS) {
    throw new SnsVerificationError(
      `Timestamp ${timestamp} is ${Math.round((at - now) / 1000)} s in the future`,
    );
  }
}
