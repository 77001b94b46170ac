/**
 * Amazon SES (API v2) `SendEmail` with the raw MIME message. SES has no idempotency token for SendEmail, so the
 * SDK's own retries are off: a retry after a timeout could send twice, and the outbox's backoff (with its
 * attempt count and last error in the database) decides instead. What is certain (SES answered, or no
 * connection was made) is retried or failed as usual; a timeout or a connection cut after the request went
 * out is `ambiguous`: SES may have sent the message, and the outbox leaves the decision to a person.
 */
import { SendEmailCommand, SESv2Client } from "@aws-sdk/client-sesv2";
import { DeliveryError, type MailTransport } from "./transport.ts";

/** Options of {@linkcode sesTransport}. */
export interface SesTransportOptions {
  region: string;
  /** An SES-compatible endpoint (tests, LocalStack). */
  endpoint?: string;
  /** Explicit credentials (tests); by default the SDK's chain: AWS_ACCESS_KEY_ID…, profile, instance role. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** SES configuration set for event publishing (bounces, complaints). */
  configurationSet?: string;
  /** Per request; default 30 s. */
  timeoutMs?: number;
}

/** Errors that no retry of the same message can fix. */
const PERMANENT = new Set([
  "MessageRejected",
  "MailFromDomainNotVerifiedException",
  "BadRequestException",
  "NotFoundException",
]);
/** Errors that clear by themselves: the per-second rate or the daily quota. */
const THROTTLED = new Set([
  "TooManyRequestsException",
  "LimitExceededException",
  "ThrottlingException",
  "Throttling",
]);

/** Sends through SES; `close()` releases the client's connections. */
export function sesTransport(options: SesTransportOptions): MailTransport {
  // SESv2 has no flexible checksums (an S3 feature), so the S3 client's checksum settings do not apply here.
  const client = new SESv2Client({
    region: options.region,
    endpoint: options.endpoint,
    credentials: options.credentials,
    maxAttempts: 1,
    // Without throwOnRequestTimeout this SDK version only logs a warning when requestTimeout passes: a 500 ms
    // timeout resolved after 8 s, and a hung send held its job for maxJobMs (10 min), then ran again.
    requestHandler: {
      requestTimeout: options.timeoutMs ?? 30_000,
      connectionTimeout: 5_000,
      throwOnRequestTimeout: true,
    },
  });
  return {
    kind: "ses",
    async send(_key, raw, envelope) {
      try {
        const out = await client.send(
          new SendEmailCommand({
            FromEmailAddress: envelope.from,
            Destination: { ToAddresses: envelope.to },
            Content: { Raw: { Data: raw } },
            ConfigurationSetName: options.configurationSet,
          }),
        );
        // Stored on the effect: bounce and complaint notifications name it as mail.messageId.
        return { messageId: out.MessageId };
      } catch (error) {
        throw sesDeliveryError(error);
      }
    },
    close() {
      client.destroy();
    },
  };
}

/** Maps an SDK error to retry-or-not, by the SES error name, else by HTTP status, else (network) retry. */
export function sesDeliveryError(error: unknown): DeliveryError {
  const e = error as {
    name?: string;
    message?: string;
    code?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const name = e?.name ?? "Error";
  const status = e?.$metadata?.httpStatusCode;
  const detail = `${name}${status ? ` (${status})` : ""}: ${e?.message ?? String(error)}`;
  const what = "Cannot send with SES";
  const options = { cause: error };
  if (name === "AccountSuspendedException") {
    return new DeliveryError(
      `${what}: the account is suspended; an operator must resolve it in the SES console (${detail})`,
      false,
      undefined,
      options,
    );
  }
  if (name === "SendingPausedException") {
    return new DeliveryError(
      `${what}: sending is paused for the account or configuration set; an operator must resume it (${detail})`,
      false,
      undefined,
      options,
    );
  }
  if (PERMANENT.has(name)) return new DeliveryError(`${what}: ${detail}`, true, undefined, options);
  if (THROTTLED.has(name)) {
    return new DeliveryError(`${what}: throttled: ${detail}`, false, undefined, options);
  }
  if (status === 401 || status === 403) {
    // Expired role credentials refresh and a fixed IAM policy works: not the message's fault, so retry.
    return new DeliveryError(
      `${what}: check the credentials and IAM policy: ${detail}`,
      false,
      undefined,
      options,
    );
  }
  if (status === undefined && sentMaybe(e)) {
    return new DeliveryError(`${what}: no answer: ${detail}`, false, undefined, {
      ...options,
      ambiguous: true,
    });
  }
  const permanent = status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;
  return new DeliveryError(`${what}: ${detail}`, permanent, undefined, options);
}

/** Errors raised before any connection was made: nothing reached SES. */
const NOT_CONNECTED = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);

/**
 * Whether a request that got no answer may have reached SES: a request timeout, or a connection reset or
 * closed (the SDK names ECONNRESET, EPIPE and ETIMEDOUT "TimeoutError" too), unless no connection was made.
 * Errors of signing or credentials come before any request and carry other names.
 */
function sentMaybe(e: { name?: string; message?: string; code?: string }): boolean {
  if (e?.code && NOT_CONNECTED.has(e.code)) return false;
  const message = e?.message ?? "";
  if (/did not establish a connection/.test(message)) return false;
  return e?.name === "TimeoutError" ||
    /socket hang up|ECONNRESET|EPIPE|connection (was )?(reset|closed)/i.test(message);
}
