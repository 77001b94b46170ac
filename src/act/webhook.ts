/**
 * Webhooks over HTTP: a JSON POST signed with HMAC-SHA256 over "<timestamp>.<body>" (the scheme of Stripe and
 * Slack signatures: the timestamp in the signed text bounds replays), with the effect's key as
 * `Idempotency-Key` so a receiver can drop the duplicate that a retry after a lost response sends.
 */
import { encodeHex } from "../mail/hex.ts";
import { retryAfterMs } from "../retry_after.ts";
import { DeliveryError, type WebhookSender } from "./transport.ts";

/** Options of {@linkcode httpWebhookSender}. */
export interface HttpWebhookOptions {
  /** HMAC key; without it no signature header is sent. */
  secret?: string;
  /** For the whole exchange, response body included. */
  timeoutMs: number;
  /** Injected in tests; the global `fetch` by default. */
  fetch?: typeof fetch;
}

/** Replay window of {@linkcode verifyWebhook} by default: five minutes, as Stripe and Slack use. */
const DEFAULT_TOLERANCE_S = 300;

/** POSTs webhook bodies as signed JSON. */
export function httpWebhookSender(options: HttpWebhookOptions): WebhookSender {
  const doFetch = options.fetch ?? fetch;
  return {
    async send(key, target, body) {
      const what = `Cannot send webhook ${target.name}`;
      if (!target.url) {
        throw new DeliveryError(`${what}: no URL configured; set ${variableFor(target.name)}`, true);
      }
      const url = URL.parse(target.url);
      if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) {
        throw new DeliveryError(`${what}: ${variableFor(target.name)} is not an http(s) URL`, true);
      }
      const json = JSON.stringify(body);
      const timestamp = String(Math.floor(Date.now() / 1000));
      const headers: Record<string, string> = {
        "Content-Type": "application/json",
        "Idempotency-Key": key,
        "X-Webhook-Timestamp": timestamp,
        "User-Agent": "ses-daemon-bot",
      };
      if (options.secret) headers["X-Webhook-Signature"] = await signWebhook(options.secret, timestamp, json);

      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), options.timeoutMs);
      try {
        // A POST must not silently become a GET at a redirect's target: a 3xx is an error to fix in the URL.
        const res = await doFetch(url, {
          method: "POST",
          headers,
          body: json,
          redirect: "manual",
          signal: abort.signal,
        });
        if (res.ok) {
          await res.body?.cancel();
          return;
        }
        const text = (await res.text()).slice(0, 200);
        const detail = `${what}: ${res.status} ${res.statusText}${text ? `: ${text}` : ""}`;
        if (res.status === 408 || res.status === 429 || res.status >= 500) {
          throw new DeliveryError(detail, false, retryAfterMs(res.headers.get("retry-after")));
        }
        if (res.status < 400) {
          throw new DeliveryError(`${what}: ${res.status} redirect; set the final URL`, true);
        }
        throw new DeliveryError(detail, true);
      } catch (error) {
        if (error instanceof DeliveryError) throw error;
        // Deno's fetch errors quote the URL, and a webhook URL (Slack's) is itself a secret: keep the origin,
        // and no `cause` that a logger could print whole.
        const reason = abort.signal.aborted
          ? `timed out after ${options.timeoutMs} ms`
          : messageOf(error).replaceAll(target.url, url.origin).replaceAll(url.href, url.origin);
        throw new DeliveryError(`${what}: ${reason}`, false);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** "v1=" and the hex HMAC-SHA256 of "<timestamp>.<body>" under `secret`. */
export async function signWebhook(secret: string, timestamp: string | number, body: string): Promise<string> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey(
    "raw",
    enc.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    [
      "sign",
    ],
  );
  const mac = await crypto.subtle.sign("HMAC", key, enc.encode(`${timestamp}.${body}`));
  return `v1=${encodeHex(new Uint8Array(mac))}`;
}

/**
 * Whether a received webhook is ours and fresh: a `v1=` signature (of several, comma-separated, during a
 * secret rotation) matches, compared in constant time, and the timestamp is within `toleranceS` (default
 * 300 s) of `now` (milliseconds since the epoch, default the clock).
 */
export async function verifyWebhook(
  secret: string,
  headers: Headers | Record<string, string>,
  body: string | Uint8Array,
  options: { toleranceS?: number; now?: number } = {},
): Promise<boolean> {
  const h = headers instanceof Headers ? headers : new Headers(headers);
  const timestamp = h.get("x-webhook-timestamp") ?? "";
  const signatures = (h.get("x-webhook-signature") ?? "").split(",").map((s) => s.trim());
  if (!/^\d{1,12}$/.test(timestamp)) return false;
  const now = (options.now ?? Date.now()) / 1000;
  if (Math.abs(now - Number(timestamp)) > (options.toleranceS ?? DEFAULT_TOLERANCE_S)) return false;
  const text = typeof body === "string" ? body : new TextDecoder().decode(body);
  const expected = await signWebhook(secret, timestamp, text);
  let ok = false;
  for (const s of signatures) ok = constantTimeEqual(s, expected) || ok;
  return ok;
}

/** Compares every character whatever the first difference, so timing tells nothing of the expected value. */
function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export { retryAfterMs } from "../retry_after.ts";

/** The configuration variable of a target: "escalation" → ESCALATION_WEBHOOK_URL. */
function variableFor(name: string): string {
  return `${name.toUpperCase().replace(/[^A-Z0-9]+/g, "_")}_WEBHOOK_URL`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
