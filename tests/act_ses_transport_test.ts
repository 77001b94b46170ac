import assert from "node:assert/strict";
import { buildMessage, replySubject } from "../src/act/mime.ts";
import { sesTransport } from "../src/act/ses_transport.ts";
import { DeliveryError } from "../src/act/transport.ts";

/** A recorded SESv2 request. */
interface Recorded {
  method: string;
  path: string;
  headers: Headers;
  body: {
    FromEmailAddress?: string;
    Destination?: { ToAddresses?: string[] };
    Content?: { Raw?: { Data?: string } };
    ConfigurationSetName?: string;
  };
}

/** What the fake endpoint answers: 200 with a MessageId, or an SES error by name and status. */
type Answer = { ok: true } | { status: number; error: string; message: string };

/** A local HTTP server speaking enough of the SESv2 REST-JSON protocol for SendEmail; it records requests. */
function fakeSes(answer: Answer = { ok: true }) {
  const requests: Recorded[] = [];
  let next = answer;
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    const path = new URL(req.url).pathname;
    requests.push({ method: req.method, path, headers: req.headers, body: await req.json() });
    if ("ok" in next) return Response.json({ MessageId: `0100-test-${requests.length}` });
    return Response.json({ message: next.message }, {
      status: next.status,
      headers: { "x-amzn-ErrorType": `${next.error}:http://internal.amazon.com/coral/com.amazonaws.sesv2/` },
    });
  });
  return {
    endpoint: `http://127.0.0.1:${server.addr.port}`,
    requests,
    answer: (a: Answer) => (next = a),
    async [Symbol.asyncDispose]() {
      await server.shutdown();
    },
  };
}

/** The transport pointed at the fake; disposing closes the SDK's connections before the server stops. */
function transportFor(endpoint: string) {
  const t = sesTransport({
    region: "eu-west-1",
    endpoint,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    configurationSet: "replies",
    timeoutMs: 5_000,
  });
  return Object.assign(t, { [Symbol.dispose]: () => t.close?.() });
}

const reply = () =>
  buildMessage({
    from: "FrFlashy <hello@frflashy.com>",
    to: ["jane@example.org"],
    subject: replySubject("Pricing?"),
    text: "Hello,\n\nour prices: https://frflashy.com/pricing\n",
    messageId: "<reply-1@frflashy.com>",
    inReplyTo: "<orig-1@example.org>",
    references: ["<root@example.org>", "<orig-1@example.org>"],
    autoSubmitted: "auto-replied",
  });

Deno.test("SendEmail carries the raw MIME reply with the RFC 3834 headers", async () => {
  await using ses = fakeSes();
  using transport = transportFor(ses.endpoint);
  assert.equal(transport.kind, "ses");
  const raw = reply();
  await transport.send("reply:1", raw, { from: "hello@frflashy.com", to: ["jane@example.org"] });

  assert.equal(ses.requests.length, 1);
  const [req] = ses.requests;
  assert.equal(req.method, "POST");
  assert.equal(req.path, "/v2/email/outbound-emails");
  assert.match(
    req.headers.get("authorization") ?? "",
    /^AWS4-HMAC-SHA256 Credential=test\/\d{8}\/eu-west-1\/ses\//,
  );
  assert.equal(req.body.FromEmailAddress, "hello@frflashy.com");
  assert.deepEqual(req.body.Destination?.ToAddresses, ["jane@example.org"]);
  assert.equal(req.body.ConfigurationSetName, "replies");
  const sent = Uint8Array.from(atob(req.body.Content?.Raw?.Data ?? ""), (c) => c.charCodeAt(0));
  assert.deepEqual(sent, raw, "the raw message, unchanged");
  const text = new TextDecoder().decode(sent);
  assert.match(text, /\r\nAuto-Submitted: auto-replied\r\n/);
  assert.match(text, /\r\nIn-Reply-To: <orig-1@example\.org>\r\n/);
  assert.match(text, /\r\nReferences: <root@example\.org> <orig-1@example\.org>\r\n/);
  assert.match(text, /\r\nSubject: Re: Pricing\?\r\n/);
});

Deno.test("a rejected message fails for good; throttling and 500 are retried, once each", async () => {
  await using ses = fakeSes({
    status: 400,
    error: "MessageRejected",
    message: "Email address is not verified.",
  });
  using transport = transportFor(ses.endpoint);
  const send = () =>
    transport.send("reply:2", reply(), { from: "hello@frflashy.com", to: ["jane@example.org"] }).then(
      () => assert.fail("expected a DeliveryError"),
      (e) => {
        assert.ok(e instanceof DeliveryError, String(e));
        return e;
      },
    );

  const rejected = await send();
  assert.equal(rejected.permanent, true);
  assert.match(
    rejected.message,
    /^Cannot send with SES: MessageRejected \(400\): Email address is not verified\./,
  );

  ses.answer({ status: 400, error: "MailFromDomainNotVerifiedException", message: "not verified" });
  assert.equal((await send()).permanent, true);

  ses.answer({ status: 429, error: "TooManyRequestsException", message: "Maximum sending rate exceeded." });
  const throttled = await send();
  assert.equal(throttled.permanent, false);
  assert.match(throttled.message, /throttled/);

  ses.answer({ status: 500, error: "InternalFailure", message: "boom" });
  assert.equal((await send()).permanent, false);

  ses.answer({ status: 400, error: "AccountSuspendedException", message: "suspended" });
  const suspended = await send();
  assert.equal(suspended.permanent, false);
  assert.match(suspended.message, /account is suspended; an operator must/);

  ses.answer({ status: 400, error: "SendingPausedException", message: "paused" });
  assert.equal((await send()).permanent, false);

  assert.equal(ses.requests.length, 6, "the SDK does not retry by itself");
});

Deno.test("an endpoint that does not answer is a retryable error", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  using transport = transportFor(`http://127.0.0.1:${port}`);
  const error = await transport.send("reply:3", reply(), { from: "hello@frflashy.com", to: ["a@b.c"] }).catch(
    (e) => e,
  );
  assert.ok(error instanceof DeliveryError, String(error));
  assert.equal(error.permanent, false);
});
