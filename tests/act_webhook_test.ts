import assert from "node:assert/strict";
import { DeliveryError } from "../src/act/transport.ts";
import { httpWebhookSender, retryAfterMs, signWebhook, verifyWebhook } from "../src/act/webhook.ts";

const SECRET = "whsec_test";

/** What the receiver answers to one request. */
interface Answer {
  status?: number;
  headers?: Record<string, string>;
  delayMs?: number;
}

/** A local webhook receiver: records each request (headers and body) and answers as told. */
function receiver(answer: Answer = {}) {
  const requests: { headers: Headers; body: string; method: string }[] = [];
  let next = answer;
  const waiting = new Set<() => void>();
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    requests.push({ headers: req.headers, body: await req.text(), method: req.method });
    const { status = 200, headers = {}, delayMs = 0 } = next;
    if (delayMs) {
      // Disposing ends the wait, so that the server shuts down at once after a client timed out.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delayMs);
        waiting.add(() => (clearTimeout(timer), resolve()));
      });
    }
    return new Response(status === 200 ? "ok" : `scripted ${status}`, { status, headers });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/hooks/escalation`,
    requests,
    answer: (a: Answer) => (next = a),
    async [Symbol.asyncDispose]() {
      for (const stop of waiting) stop();
      await server.shutdown();
    },
  };
}

const body = { text: "A person is needed: Pricing question from jane@example.org" };

async function failure(promise: Promise<void>): Promise<DeliveryError> {
  const error = await promise.then(() => assert.fail("expected a DeliveryError"), (e) => e);
  assert.ok(error instanceof DeliveryError, String(error));
  return error;
}

Deno.test("a 200 is delivered: signed JSON with the idempotency key, timestamp and user agent", async () => {
  await using hook = receiver();
  const sender = httpWebhookSender({ secret: SECRET, timeoutMs: 2000 });
  await sender.send("escalation:42:hand_off", { url: hook.url, name: "escalation" }, body);
  assert.equal(hook.requests.length, 1);
  const [req] = hook.requests;
  assert.equal(req.method, "POST");
  assert.equal(req.headers.get("content-type"), "application/json");
  assert.equal(req.headers.get("idempotency-key"), "escalation:42:hand_off");
  assert.equal(req.headers.get("user-agent"), "ses-daemon-bot");
  assert.ok(Math.abs(Number(req.headers.get("x-webhook-timestamp")) - Date.now() / 1000) < 5);
  assert.match(req.headers.get("x-webhook-signature") ?? "", /^v1=[0-9a-f]{64}$/);
  assert.deepEqual(JSON.parse(req.body), body);
  assert.equal(await verifyWebhook(SECRET, req.headers, req.body), true);
});

Deno.test("a tampered body, another secret or a stale timestamp does not verify", async () => {
  const timestamp = 1_750_000_000;
  const json = JSON.stringify(body);
  const headers = {
    "X-Webhook-Timestamp": String(timestamp),
    "X-Webhook-Signature": await signWebhook(SECRET, timestamp, json),
  };
  const now = timestamp * 1000;
  assert.equal(await verifyWebhook(SECRET, headers, json, { now }), true);
  assert.equal(await verifyWebhook(SECRET, headers, new TextEncoder().encode(json), { now }), true);
  assert.equal(await verifyWebhook(SECRET, headers, json.replace("jane", "joan"), { now }), false);
  assert.equal(await verifyWebhook("another secret", headers, json, { now }), false);
  assert.equal(await verifyWebhook(SECRET, headers, json, { now: now + 301_000 }), false, "stale");
  assert.equal(await verifyWebhook(SECRET, headers, json, { now: now - 301_000 }), false, "from the future");
  assert.equal(await verifyWebhook(SECRET, headers, json, { now: now + 900_000, toleranceS: 1000 }), true);
  const rotated = {
    ...headers,
    "X-Webhook-Signature": `v1=${"0".repeat(64)}, ${headers["X-Webhook-Signature"]}`,
  };
  assert.equal(await verifyWebhook(SECRET, rotated, json, { now }), true, "one of several signatures");
  const moved = { ...headers, "X-Webhook-Timestamp": String(timestamp + 1) };
  assert.equal(await verifyWebhook(SECRET, moved, json, { now }), false, "the timestamp is signed");
  assert.equal(await verifyWebhook(SECRET, {}, json, { now }), false);
});

Deno.test("without a secret no signature header is sent", async () => {
  await using hook = receiver();
  await httpWebhookSender({ timeoutMs: 2000 }).send("k", { url: hook.url, name: "crm" }, body);
  assert.equal(hook.requests[0].headers.get("x-webhook-signature"), null);
});

Deno.test("404, 400 and a redirect fail for good", async () => {
  await using hook = receiver({ status: 404 });
  const sender = httpWebhookSender({ secret: SECRET, timeoutMs: 2000 });
  const target = { url: hook.url, name: "escalation" };
  const notFound = await failure(sender.send("k", target, body));
  assert.equal(notFound.permanent, true);
  assert.match(notFound.message, /^Cannot send webhook escalation: 404 Not Found: scripted 404$/);
  hook.answer({ status: 400 });
  assert.equal((await failure(sender.send("k", target, body))).permanent, true);
  hook.answer({ status: 302, headers: { location: "http://127.0.0.1:1/elsewhere" } });
  const redirect = await failure(sender.send("k", target, body));
  assert.equal(redirect.permanent, true);
  assert.match(redirect.message, /302 redirect; set the final URL/);
  assert.equal(hook.requests.length, 3, "the redirect was not followed");
});

Deno.test("408, 429 and 500 are retried, with Retry-After in seconds or as a date", async () => {
  await using hook = receiver({ status: 408 });
  const sender = httpWebhookSender({ secret: SECRET, timeoutMs: 2000 });
  const target = { url: hook.url, name: "escalation" };
  const timeout = await failure(sender.send("k", target, body));
  assert.equal(timeout.permanent, false);
  assert.equal(timeout.retryAfterMs, undefined);

  hook.answer({ status: 429, headers: { "retry-after": "120" } });
  const limited = await failure(sender.send("k", target, body));
  assert.equal(limited.permanent, false);
  assert.equal(limited.retryAfterMs, 120_000);

  hook.answer({ status: 503, headers: { "retry-after": new Date(Date.now() + 90_000).toUTCString() } });
  const unavailable = await failure(sender.send("k", target, body));
  assert.equal(unavailable.permanent, false);
  assert.ok(
    unavailable.retryAfterMs! > 88_000 && unavailable.retryAfterMs! <= 90_000,
    `${unavailable.retryAfterMs}`,
  );

  hook.answer({ status: 500 });
  assert.equal((await failure(sender.send("k", target, body))).permanent, false);
  assert.equal(hook.requests.length, 4);
});

Deno.test("Retry-After reads delay-seconds and HTTP dates, and ignores nonsense", () => {
  const now = Date.parse("Tue, 01 Jul 2025 12:00:00 GMT");
  assert.equal(retryAfterMs("5", now), 5000);
  assert.equal(retryAfterMs("Tue, 01 Jul 2025 12:01:00 GMT", now), 60_000);
  assert.equal(retryAfterMs("Tue, 01 Jul 2025 11:00:00 GMT", now), 0);
  assert.equal(retryAfterMs("soon", now), undefined);
  assert.equal(retryAfterMs(null, now), undefined);
});

Deno.test("a receiver slower than the timeout is a retryable error", async () => {
  await using hook = receiver({ delayMs: 5000 });
  const started = Date.now();
  const error = await failure(
    httpWebhookSender({ timeoutMs: 200 }).send("k", { url: hook.url, name: "crm" }, body),
  );
  assert.equal(error.permanent, false);
  assert.match(error.message, /^Cannot send webhook crm: timed out after 200 ms$/);
  assert.ok(Date.now() - started < 2000);
});

Deno.test("a refused connection is retryable and its message does not reveal the URL's path", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const url = `http://127.0.0.1:${listener.addr.port}/services/T000/B000/secret-token`;
  listener.close();
  const error = await failure(
    httpWebhookSender({ timeoutMs: 2000 }).send("k", { url, name: "escalation" }, body),
  );
  assert.equal(error.permanent, false);
  assert.ok(!error.message.includes("secret-token"), error.message);
});

Deno.test("a target without a URL fails for good and names the variable to set", async () => {
  const sender = httpWebhookSender({ timeoutMs: 2000 });
  const error = await failure(sender.send("k", { name: "escalation" }, body));
  assert.equal(error.permanent, true);
  assert.match(error.message, /set ESCALATION_WEBHOOK_URL/);
  const crm = await failure(sender.send("k", { url: "ftp://example.org/x", name: "crm" }, body));
  assert.equal(crm.permanent, true);
  assert.match(crm.message, /CRM_WEBHOOK_URL is not an http\(s\) URL/);
});

Deno.test("an injected fetch is used instead of the global one", async () => {
  const seen: Request[] = [];
  const fake: typeof fetch = (input, init) => {
    seen.push(new Request(input, init));
    return Promise.resolve(new Response(null, { status: 204 }));
  };
  await httpWebhookSender({ timeoutMs: 1000, fetch: fake }).send("k", {
    url: "https://hooks.example/x",
    name: "crm",
  }, {
    a: 1,
  });
  assert.equal(seen.length, 1);
  assert.equal(seen[0].headers.get("idempotency-key"), "k");
});
