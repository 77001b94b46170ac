import { configure, getLogger, type LogRecord, reset } from "@logtape/logtape";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { parseListenAddr, type SnsEndpointOptions, startSnsEndpoint } from "../src/mail/sns_http.ts";
import { CERT_PATH, certServer, pki, sign } from "./helpers/sns.ts";
import {
  fetchCertificate,
  snsHostOf,
  type SnsMessage,
  SnsVerificationError,
  type SnsVerifyOptions,
  stringToSign,
  verifySnsMessage,
} from "../src/mail/sns_verify.ts";

const TOPIC = "arn:aws:sns:eu-west-1:123456789012:ses-inbound";
let sequence = 0;

function notificationFields(overrides: Record<string, string | undefined> = {}) {
  return {
    Type: "Notification",
    MessageId: `0b7c5c1e-5a2d-4c3a-9d6e-${String(++sequence).padStart(12, "0")}`,
    TopicArn: TOPIC,
    Subject: "Amazon SES Email Receipt Notification",
    Message: JSON.stringify({ notificationType: "Received", receipt: { action: { type: "S3" } } }),
    Timestamp: new Date().toISOString(),
    UnsubscribeURL: "https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=x",
    ...overrides,
  };
}

const SUBSCRIBE_URL = `https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${TOPIC}` +
  "&Token=2336412f37fb687f5d51e6e2425f004aed7b7526";

function confirmationFields(overrides: Record<string, string | undefined> = {}) {
  return {
    Type: "SubscriptionConfirmation",
    MessageId: `165545c9-2a5c-472c-8df2-${String(++sequence).padStart(12, "0")}`,
    Token: "2336412f37fb687f5d51e6e2425f004aed7b7526",
    TopicArn: TOPIC,
    Message: `You have chosen to subscribe to the topic ${TOPIC}.\nTo confirm the subscription, visit the ` +
      "SubscribeURL included in this message.",
    SubscribeURL: SUBSCRIBE_URL,
    Timestamp: new Date().toISOString(),
    ...overrides,
  };
}

async function refusal(promise: Promise<void>, reason: RegExp): Promise<void> {
  const error = await promise.then(() => assert.fail("expected an SnsVerificationError"), (e) => e);
  assert.ok(error instanceof SnsVerificationError, String(error));
  assert.match(error.message, /^Cannot verify SNS message: /);
  assert.match(error.message, reason);
}

Deno.test("the string to sign is AWS's canonical text, with Subject only when present", () => {
  const base = { MessageId: "m1", TopicArn: TOPIC, Message: "hi", Timestamp: "2026-03-01T12:00:00.000Z" };
  const signed = { SignatureVersion: "1", Signature: "", SigningCertURL: "" };
  assert.equal(
    stringToSign({ ...base, ...signed, Type: "Notification", Subject: "S", UnsubscribeURL: "u" }),
    `Message\nhi\nMessageId\nm1\nSubject\nS\nTimestamp\n2026-03-01T12:00:00.000Z\nTopicArn\n${TOPIC}\n` +
      "Type\nNotification\n",
  );
  assert.equal(
    stringToSign({ ...base, ...signed, Type: "Notification" }),
    `Message\nhi\nMessageId\nm1\nTimestamp\n2026-03-01T12:00:00.000Z\nTopicArn\n${TOPIC}\nType\nNotification\n`,
  );
  assert.equal(
    stringToSign({ ...base, ...signed, Type: "SubscriptionConfirmation", Token: "t", SubscribeURL: "s" }),
    "Message\nhi\nMessageId\nm1\nSubscribeURL\ns\nTimestamp\n2026-03-01T12:00:00.000Z\nToken\nt\n" +
      `TopicArn\n${TOPIC}\nType\nSubscriptionConfirmation\n`,
  );
});

Deno.test("valid messages of SignatureVersion 1 and 2 verify, and the certificate is fetched once", async () => {
  await using certs = certServer();
  const v1 = sign(notificationFields(), { version: "1", certUrl: certs.certUrl });
  const v2 = sign(notificationFields(), { version: "2", certUrl: certs.certUrl });
  const noSubject = sign(notificationFields({ Subject: undefined }), { certUrl: certs.certUrl });
  const confirmation = sign(confirmationFields(), { version: "1", certUrl: certs.certUrl });
  await Promise.all([v1, v2].map((m) => verifySnsMessage(m, certs.verify)));
  await verifySnsMessage(noSubject, certs.verify);
  await verifySnsMessage(confirmation, certs.verify);
  assert.deepEqual(certs.requests, [CERT_PATH], "cached by URL, concurrent requests included");
});

Deno.test("a tampered message or subject does not verify", async () => {
  await using certs = certServer();
  for (const version of ["1", "2"] as const) {
    const msg = sign(notificationFields(), { version, certUrl: certs.certUrl });
    await verifySnsMessage(msg, certs.verify);
    const changed = msg.Message.replace("S3", "SNS");
    await refusal(verifySnsMessage({ ...msg, Message: changed }, certs.verify), /signature does not match/);
    await refusal(verifySnsMessage({ ...msg, Subject: "Other" }, certs.verify), /signature does not match/);
    await refusal(verifySnsMessage({ ...msg, Subject: undefined }, certs.verify), /signature does not match/);
    await refusal(verifySnsMessage({ ...msg, TopicArn: `${TOPIC}2` }, certs.verify), /does not match/);
  }
});

Deno.test("a tampered signature, another key's or the other version's does not verify", async () => {
  await using certs = certServer();
  const msg = sign(notificationFields(), { version: "2", certUrl: certs.certUrl });
  const bytes = Uint8Array.from(atob(msg.Signature), (c) => c.charCodeAt(0));
  bytes[10] ^= 1;
  const flipped = btoa(String.fromCharCode(...bytes));
  await refusal(verifySnsMessage({ ...msg, Signature: flipped }, certs.verify), /signature does not match/);
  await refusal(
    verifySnsMessage({ ...msg, SignatureVersion: "1" }, certs.verify),
    /signature does not match/,
  );
  await refusal(
    verifySnsMessage({ ...msg, Signature: "bm90IGEgc2lnbmF0dXJl" }, certs.verify),
    /does not match/,
  );
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const other = sign(notificationFields(), {
    certUrl: certs.certUrl,
    key: privateKey.export({ type: "pkcs8", format: "pem" }) as string,
  });
  await refusal(verifySnsMessage(other, certs.verify), /signature does not match/);
});

Deno.test("unsigned messages and missing fields are refused before any fetch", async () => {
  await using certs = certServer();
  const msg = sign(notificationFields(), { certUrl: certs.certUrl });
  const without = (name: string) => {
    const copy: Record<string, unknown> = { ...msg };
    delete copy[name];
    return copy as unknown as SnsMessage;
  };
  for (
    const name of ["Signature", "SignatureVersion", "SigningCertURL", "Timestamp", "TopicArn", "MessageId"]
  ) {
    await refusal(verifySnsMessage(without(name), certs.verify), new RegExp(`no ${name} field`));
  }
  await refusal(verifySnsMessage(without("Message"), certs.verify), /no Message field/);
  await refusal(verifySnsMessage(without("Type"), certs.verify), /no Type field/);
  await refusal(verifySnsMessage({ ...msg, Signature: "" }, certs.verify), /no Signature field/);
  await refusal(verifySnsMessage({ ...msg, SignatureVersion: "3" }, certs.verify), /SignatureVersion "3"/);
  await refusal(verifySnsMessage({ ...msg, Type: "Other" }, certs.verify), /unknown Type "Other"/);
  const confirmation = sign(confirmationFields(), { certUrl: certs.certUrl });
  await refusal(verifySnsMessage({ ...confirmation, Token: undefined }, certs.verify), /no Token field/);
  await refusal(
    verifySnsMessage({ ...confirmation, SubscribeURL: undefined }, certs.verify),
    /no SubscribeURL/,
  );
  assert.deepEqual(certs.requests, []);
});

Deno.test("a stale timestamp, or one far in the future, is refused", async () => {
  await using certs = certServer();
  // Ahead of the clock so that the certificate (valid from its making) is valid at every `now` below.
  const published = Date.now() + 120_000;
  const msg = sign(notificationFields({ Timestamp: new Date(published).toISOString() }), {
    certUrl: certs.certUrl,
  });
  const hour = 3_600_000;
  await verifySnsMessage(msg, { ...certs.verify, now: published + hour - 1000 });
  await refusal(
    verifySnsMessage(msg, { ...certs.verify, now: published + hour + 1000 }),
    /stale: published 3601 s/,
  );
  await refusal(
    verifySnsMessage(msg, { ...certs.verify, now: published + 61_000, maxAgeMs: 60_000 }),
    /stale/,
  );
  await refusal(verifySnsMessage(msg, { ...certs.verify, now: published - 600_000 }), /600 s in the future/);
  await verifySnsMessage(msg, { ...certs.verify, now: published - 60_000 }); // clock skew is tolerated
  const undated = sign(notificationFields({ Timestamp: "yesterday" }), { certUrl: certs.certUrl });
  await refusal(verifySnsMessage(undated, certs.verify), /Timestamp "yesterday" is not a date/);
});

Deno.test("a certificate URL off an SNS host, not .pem, or not https: is refused without fetching", async () => {
  let fetched = 0;
  const fetchCert = () => (fetched++, Promise.resolve(pki.cert));
  const cases: [string, RegExp][] = [
    ["https://127.0.0.1:8443/cert.pem", /host 127\.0\.0\.1 is not sns\.eu-west-1\.amazonaws\.com \(SNS in/],
    ["https://sns.eu-west-1.amazonaws.com.evil.example/x.pem", /is not sns\.eu-west-1\.amazonaws\.com/],
    ["https://evil.example/sns.eu-west-1.amazonaws.com/x.pem", /host evil\.example/],
    ["https://s3.eu-west-1.amazonaws.com/x.pem", /host s3\./],
    ["https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-1.txt", /path does not end with \.pem/],
    ["https://sns.eu-west-1.amazonaws.com/x.pem?a=.pem", /has a query or fragment/],
    ["https://sns.eu-west-1.amazonaws.com/x.pem#x", /has a query or fragment/],
    ["http://sns.eu-west-1.amazonaws.com/x.pem", /is not https: \(http:\)/],
    ["https://user:pw@sns.eu-west-1.amazonaws.com/x.pem", /user name or password/],
    ["https://sns.eu-west-1.amazonaws.com:8443/x.pem", /has a port/],
    ["not a url", /is not a URL/],
  ];
  for (const [url, reason] of cases) {
    const msg = sign(notificationFields(), { certUrl: url });
    await refusal(verifySnsMessage(msg, { fetchCert }), reason);
  }
  assert.equal(fetched, 0);
  // The test predicate widens the host rule only: http: stays refused.
  const http = sign(notificationFields(), { certUrl: "http://127.0.0.1/x.pem" });
  await refusal(verifySnsMessage(http, { fetchCert, unsafeAllowCertHost: () => true }), /not https:/);
  await assert.rejects(fetchCertificate("http://127.0.0.1/x.pem"), SnsVerificationError);
});

Deno.test("the SNS host of a topic is sns.<its region>.amazonaws.com (.com.cn in China), and nothing else", () => {
  const hosts: [string, string | undefined][] = [
    ["arn:aws:sns:us-east-1:123456789012:ses-inbound", "sns.us-east-1.amazonaws.com"],
    ["arn:aws-cn:sns:cn-north-1:123456789012:ses-inbound", "sns.cn-north-1.amazonaws.com.cn"],
    ["arn:aws-us-gov:sns:us-gov-west-1:123456789012:ses", "sns.us-gov-west-1.amazonaws.com"],
    ["arn:aws:sns:ap-southeast-2:123456789012:in.fifo", "sns.ap-southeast-2.amazonaws.com"],
    // Regions that name S3 hosts, not SNS ones: sns.s3.amazonaws.com is a bucket called "sns".
    ["arn:aws:sns:s3:123456789012:ses-inbound", undefined],
    ["arn:aws:sns:s3-accelerate:123456789012:ses-inbound", undefined],
    ["arn:aws:sns:us-east-1.evil.example:123456789012:x", undefined],
    ["arn:aws:sqs:us-east-1:123456789012:ses-inbound", undefined],
    ["arn:aws:sns:us-east-1:123456789012", undefined],
    ["ses-inbound", undefined],
  ];
  for (const [arn, host] of hosts) assert.equal(snsHostOf(arn), host, arn);
});

Deno.test("a certificate or SubscribeURL off the topic's own region's SNS host is refused without fetching", async () => {
  let fetched = 0;
  // The test's key signs the messages and this is its certificate: only the host check can refuse them.
  const fetchCert = () => (fetched++, Promise.resolve(pki.cert));
  const topic = "arn:aws:sns:us-east-1:123456789012:ses-inbound";
  for (
    const host of ["sns.s3.amazonaws.com", "sns.s3-accelerate.amazonaws.com", "sns.us-west-2.amazonaws.com"]
  ) {
    const msg = sign(notificationFields({ TopicArn: topic }), { certUrl: `https://${host}/x.pem` });
    await refusal(
      verifySnsMessage(msg, { fetchCert }),
      new RegExp(`host ${host.replaceAll(".", "\\.")} is not sns\\.us-east-1\\.amazonaws\\.com`),
    );
  }
  assert.equal(fetched, 0);
  const good = sign(notificationFields({ TopicArn: topic }), {
    certUrl: "https://sns.us-east-1.amazonaws.com/x.pem",
  });
  await verifySnsMessage(good, { fetchCert });
  assert.equal(fetched, 1, "the topic's own host is fetched");

  // A SubscribeURL is visited: the same host rule, checked after the signature.
  const confirmed: string[] = [];
  await using sns = endpoint({ verify: { fetchCert } }, {
    topicArns: [topic],
    confirm: (url) => (confirmed.push(url), Promise.resolve()),
  });
  const certUrl = "https://sns.us-east-1.amazonaws.com/x.pem";
  for (const host of ["sns.s3.amazonaws.com", "sns.us-west-2.amazonaws.com"]) {
    const url = `https://${host}/?Action=ConfirmSubscription&Token=t`;
    const res = await sns.post(sign(confirmationFields({ TopicArn: topic, SubscribeURL: url }), { certUrl }));
    assert.equal(res.status, 403);
    assert.match(res.text, new RegExp(`SubscribeURL host ${host.replaceAll(".", "\\.")} is not`));
  }
  assert.deepEqual(confirmed, []);
  const url = "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=t";
  const ok = await sns.post(sign(confirmationFields({ TopicArn: topic, SubscribeURL: url }), { certUrl }));
  assert.equal(ok.status, 200);
  assert.deepEqual(confirmed, [url]);
});

Deno.test("a certificate URL that answers 404 is refused; a 500 is transient and not cached", async () => {
  {
    await using certs = certServer();
    const msg = sign(notificationFields(), { certUrl: `${certs.origin}/missing.pem` });
    await refusal(verifySnsMessage(msg, certs.verify), /answers 404/);
  }
  await using failing = certServer({ status: 503 });
  const msg = sign(notificationFields(), { certUrl: failing.certUrl });
  for (let i = 0; i < 2; i++) {
    const error = await verifySnsMessage(msg, failing.verify).then(
      () => assert.fail("expected an error"),
      (e) => e,
    );
    assert.ok(!(error instanceof SnsVerificationError), String(error));
    assert.match(error.message, /^Cannot fetch SNS signing certificate .*: 503/);
  }
  assert.equal(failing.requests.length, 2, "a failed fetch is retried by the next message");
});

Deno.test("a certificate that is not one is refused", async () => {
  const msg = sign(notificationFields(), { certUrl: "https://sns.eu-west-1.amazonaws.com/x.pem" });
  await refusal(
    verifySnsMessage(msg, { fetchCert: () => Promise.resolve("<html>hello</html>") }),
    /signing certificate is unreadable/,
  );
});

// ---- the endpoint

/** A running endpoint that records what it hands over, and POSTs to it. */
function endpoint(certs: { verify: SnsVerifyOptions }, options: Partial<SnsEndpointOptions> = {}) {
  const stored: { text: string; msg: SnsMessage }[] = [];
  const confirmed: string[] = [];
  const sns = startSnsEndpoint({
    addr: "127.0.0.1:0",
    topicArns: [TOPIC],
    verify: certs.verify,
    onNotification: (text, msg) => (stored.push({ text, msg }), Promise.resolve()),
    confirm: (url) => (confirmed.push(url), Promise.resolve()),
    ...options,
  });
  const url = `http://127.0.0.1:${sns.addr.port}/sns`;
  return {
    stored,
    confirmed,
    async post(body: unknown, init: RequestInit = {}): Promise<{ status: number; text: string }> {
      const res = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "text/plain; charset=UTF-8", "x-amz-sns-message-type": "Notification" },
        body: typeof body === "string" ? body : JSON.stringify(body),
        ...init,
      });
      return { status: res.status, text: await res.text() };
    },
    [Symbol.asyncDispose]: () => sns.shutdown(),
  };
}

Deno.test("a notification is handed over with its body, and answered 200 only after it is stored", async () => {
  await using certs = certServer();
  let release!: () => void;
  let arrived!: () => void;
  const arrival = new Promise<void>((resolve) => (arrived = resolve));
  const handed: { text: string; msg: SnsMessage }[] = [];
  await using sns = endpoint(certs, {
    onNotification: (text, msg) => {
      handed.push({ text, msg });
      arrived();
      return new Promise<void>((resolve) => (release = resolve));
    },
  });
  const msg = sign(notificationFields(), { certUrl: certs.certUrl });
  let answered = false;
  const response = sns.post(msg).finally(() => (answered = true));
  await arrival;
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(answered, false, "no answer before the row is committed");
  release();
  assert.deepEqual(await response, { status: 200, text: "OK" });
  assert.equal(handed.length, 1);
  assert.equal(handed[0].text, JSON.stringify(msg));
  assert.equal(handed[0].msg.MessageId, msg.MessageId);
});

Deno.test("a notification that cannot be stored is answered 500, so SNS retries", async () => {
  await using certs = certServer();
  await using sns = endpoint(certs, { onNotification: () => Promise.reject(new Error("database down")) });
  const res = await sns.post(sign(notificationFields(), { certUrl: certs.certUrl }));
  assert.equal(res.status, 500);
  assert.ok(!res.text.includes("database down"), "internal errors stay in the log");
});

Deno.test("a topic not on the list is refused with 403, and nothing is stored or fetched", async () => {
  await using certs = certServer();
  await using sns = endpoint(certs);
  const other = sign(notificationFields({ TopicArn: `${TOPIC}-other` }), { certUrl: certs.certUrl });
  assert.deepEqual(await sns.post(other), { status: 403, text: "Topic not allowed" });
  assert.equal(sns.stored.length, 0);
  assert.deepEqual(certs.requests, []);
  await using closed = endpoint(certs, { topicArns: [] });
  const ours = sign(notificationFields(), { certUrl: certs.certUrl });
  assert.deepEqual(await closed.post(ours), {
    status: 403,
    text: "No topic allowed (SNS_TOPIC_ARNS is empty)",
  });
});

Deno.test("tampered, unsigned and raw-delivery messages are refused with 403", async () => {
  await using certs = certServer();
  await using sns = endpoint(certs);
  const msg = sign(notificationFields(), { certUrl: certs.certUrl });
  const tampered = await sns.post({ ...msg, Message: msg.Message.replace("S3", "SNS") });
  assert.equal(tampered.status, 403);
  assert.match(tampered.text, /signature does not match/);
  const { Signature: _, ...unsigned } = msg;
  assert.equal((await sns.post(unsigned)).status, 403);
  const raw = await sns.post(JSON.parse(msg.Message));
  assert.equal(raw.status, 403);
  assert.match(raw.text, /raw message delivery/);
  assert.equal(sns.stored.length, 0);
});

Deno.test("a subscription confirmation is verified, then confirmed at its SubscribeURL", async () => {
  await using certs = certServer();
  await using sns = endpoint(certs);
  const msg = sign(confirmationFields(), { certUrl: certs.certUrl });
  const res = await sns.post(msg, { headers: { "x-amz-sns-message-type": "SubscriptionConfirmation" } });
  assert.equal(res.status, 200);
  assert.deepEqual(sns.confirmed, [SUBSCRIBE_URL]);
  assert.equal((await sns.post({ ...msg, Token: "forged" })).status, 403);
  assert.equal(sns.confirmed.length, 1);
});

Deno.test("a SubscribeURL off the SNS host is not visited, and a failed confirmation is a 500", async () => {
  await using certs = certServer();
  await using sns = endpoint(certs);
  const elsewhere = sign(confirmationFields({ SubscribeURL: "https://evil.example/confirm" }), {
    certUrl: certs.certUrl,
  });
  const res = await sns.post(elsewhere);
  assert.equal(res.status, 403);
  assert.match(res.text, /host evil\.example is not sns/);
  assert.deepEqual(sns.confirmed, []);
  await using failing = endpoint(certs, { confirm: () => Promise.reject(new Error("unreachable")) });
  assert.equal((await failing.post(sign(confirmationFields(), { certUrl: certs.certUrl }))).status, 500);
});

Deno.test("an unsubscribe confirmation is acknowledged and nothing is stored", async () => {
  await using certs = certServer();
  await using sns = endpoint(certs);
  const msg = sign(confirmationFields({ Type: "UnsubscribeConfirmation" }), { certUrl: certs.certUrl });
  assert.equal((await sns.post(msg)).status, 200);
  assert.deepEqual(sns.confirmed, []);
  assert.equal(sns.stored.length, 0);
});

Deno.test("only POST is accepted; non-JSON is 400; an oversized body is 413", async () => {
  await using certs = certServer();
  await using sns = endpoint(certs, { maxBodyBytes: 10_000 });
  const get = await sns.post("", { method: "GET", body: undefined });
  assert.equal(get.status, 405);
  assert.equal((await sns.post("not json {")).status, 400);
  assert.equal((await sns.post("[1]")).status, 400);
  assert.equal((await sns.post("x".repeat(10_001))).status, 413);
  // A chunked body has no Content-Length: the limit holds while reading.
  const chunks = new Blob(["x".repeat(20_000)]).stream();
  assert.equal((await sns.post("", { body: chunks })).status, 413);
});

Deno.test("an unreachable certificate host is answered 503, so SNS retries", async () => {
  await using certs = certServer({ status: 502 });
  await using sns = endpoint(certs);
  const res = await sns.post(sign(notificationFields(), { certUrl: certs.certUrl }));
  assert.equal(res.status, 503);
  assert.equal(sns.stored.length, 0);
});

Deno.test("listen addresses read as host:port, IPv6 in brackets", () => {
  assert.deepEqual(parseListenAddr("0.0.0.0:8080"), { hostname: "0.0.0.0", port: 8080 });
  assert.deepEqual(parseListenAddr("localhost:0"), { hostname: "localhost", port: 0 });
  assert.deepEqual(parseListenAddr("[::1]:9000"), { hostname: "::1", port: 9000 });
  for (const bad of ["8080", "host:", ":80", "host:99999", "::1:80", "a b:80"]) {
    assert.throws(() => parseListenAddr(bad), /^Error: Cannot parse listen address: /, bad);
  }
});

Deno.test("the logs name the topic and reason, never a body or a subscription token", async () => {
  const records: LogRecord[] = [];
  await configure({
    reset: true,
    sinks: { memory: (record) => records.push(record) },
    loggers: [
      { category: ["sns-test"], lowestLevel: "debug", sinks: ["memory"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: [] },
    ],
  });
  try {
    await using certs = certServer();
    await using sns = endpoint(certs, {
      log: getLogger(["sns-test"]),
      onNotification: () => Promise.reject(new Error("database down")),
      confirm: undefined, // the default: a GET, which fails here (the test's TLS certificate is not trusted)
    });
    const secret = "SECRET-TOKEN-0123456789";
    const subscribeUrl = `${certs.origin}/?Action=ConfirmSubscription&TopicArn=${TOPIC}&Token=${secret}`;
    const confirmation = sign(confirmationFields({ Token: secret, SubscribeURL: subscribeUrl }), {
      certUrl: certs.certUrl,
    });
    assert.equal((await sns.post(confirmation)).status, 500);
    const marker = "BODY-MARKER-jane@example.org";
    const notification = sign(notificationFields({ Message: marker }), { certUrl: certs.certUrl });
    assert.equal((await sns.post(notification)).status, 500);
    assert.equal((await sns.post({ ...notification, Subject: marker })).status, 403);

    const logged = records.map((r) => `${r.rawMessage} ${JSON.stringify(r.properties)}`).join("\n");
    assert.match(logged, /Cannot confirm the SNS subscription.*Cannot confirm subscription: .*certificate/i);
    assert.match(logged, /database down/);
    assert.match(logged, new RegExp(TOPIC));
    assert.ok(!logged.includes(secret), logged);
    assert.ok(!logged.includes("BODY-MARKER"), logged);
  } finally {
    await reset();
  }
});
