/** The SNS endpoint against hostile clients: junk without a topic, slow bodies, floods of requests. */
import { configure, getLogger, type LogRecord, reset } from "@logtape/logtape";
import assert from "node:assert/strict";
import { formatLogLine } from "../src/log.ts";
import { type SnsEndpointOptions, startSnsEndpoint } from "../src/mail/sns_http.ts";
import { certServer, sign } from "./helpers/sns.ts";

const TOPIC = "arn:aws:sns:eu-west-1:123456789012:ses-inbound";

function notification(certUrl: string) {
  return sign({
    Type: "Notification",
    MessageId: crypto.randomUUID(),
    TopicArn: TOPIC,
    Message: JSON.stringify({ notificationType: "Received" }),
    Timestamp: new Date().toISOString(),
  }, { certUrl });
}

/** An endpoint that stores into an array; `post` sends one request the usual way. */
function endpoint(options: Partial<SnsEndpointOptions> & Pick<SnsEndpointOptions, "verify">) {
  const stored: string[] = [];
  const sns = startSnsEndpoint({
    addr: "127.0.0.1:0",
    topicArns: [TOPIC],
    onNotification: (text) => (stored.push(text), Promise.resolve()),
    ...options,
  });
  return {
    stored,
    port: sns.addr.port,
    async post(body: string): Promise<{ status: number; text: string }> {
      const res = await fetch(`http://127.0.0.1:${sns.addr.port}/`, { method: "POST", body });
      return { status: res.status, text: await res.text() };
    },
    [Symbol.asyncDispose]: () => sns.shutdown(),
  };
}

/**
 * A request whose body never finishes: the headers promise 1,000 bytes, 10 arrive. Resolves with what the
 * server answers, or "" when the connection closes without an answer; `close` gives up on it.
 */
async function slowRequest(port: number) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const enc = new TextEncoder();
  await conn.write(enc.encode(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"Type":"N`));
  const answer = (async () => {
    const buffer = new Uint8Array(4096);
    const n = await conn.read(buffer).catch(() => null);
    return n ? new TextDecoder().decode(buffer.subarray(0, n)) : "";
  })();
  return { answer, close: () => conn.close() };
}

/** Rejects after `ms`: a bound for something that must not hang, far above what it takes. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

Deno.test("a POST without TopicArn is refused before verification, and none of it is logged", async () => {
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
    await using sns = endpoint({ verify: certs.verify, log: getLogger(["sns-test"]) });
    const junk = "J".repeat(500_000); // the 500 KB POST froze the daemon for ~6 minutes
    const half = junk.slice(250_000);
    const bodies = [{ Type: junk }, { Type: "Notification", MessageId: half, Message: half }, { x: 1 }];
    for (const body of bodies) {
      const res = await sns.post(JSON.stringify(body));
      assert.equal(res.status, 400);
      assert.equal(res.text, "No TopicArn: not an SNS message");
    }
    // With our topic, a forged field reaches the verifier: its reason is cut, in the log and the answer.
    const forged = await sns.post(JSON.stringify({ TopicArn: TOPIC, Type: junk }));
    assert.equal(forged.status, 403);
    assert.ok(forged.text.length < 1_000, `a ${forged.text.length}-character answer`);
    assert.deepEqual(certs.requests, [], "nothing fetched");
    assert.equal(sns.stored.length, 0);
    assert.equal(records.filter((r) => r.level === "warning").length, 4, "each refusal is logged, short");
    for (const record of records) {
      const line = formatLogLine(record);
      assert.ok(line.length < 2_000, `a ${line.length}-character log line: ${line.slice(0, 200)}`);
    }
  } finally {
    await reset();
  }
});

Deno.test("a body that arrives a few bytes at a time is cut off at the deadline with 408", async () => {
  await using certs = certServer();
  await using sns = endpoint({ verify: certs.verify, requestTimeoutMs: 300 });
  const started = performance.now();
  const slow = await slowRequest(sns.port);
  try {
    // Without a deadline the request stays open as long as the client likes (70 s and more were measured).
    const answer = await within(slow.answer, 20_000, "the slow request");
    assert.match(answer, /^HTTP\/1\.1 408 /);
    assert.ok(performance.now() - started >= 250, "not before the deadline");
  } finally {
    slow.close();
  }
  // The endpoint still serves.
  assert.equal((await sns.post(JSON.stringify(notification(certs.certUrl)))).status, 200);
});

Deno.test("beyond SNS_MAX_IN_FLIGHT requests at once the endpoint answers 503 at once, and serves again after", async () => {
  await using certs = certServer();
  await using sns = endpoint({ verify: certs.verify, maxInFlight: 2, requestTimeoutMs: 60_000 });
  const slow = [await slowRequest(sns.port), await slowRequest(sns.port)];
  try {
    // The two slow requests hold both slots once their headers are read; poll until the third is refused.
    let res = { status: 0, text: "" };
    for (let i = 0; i < 200 && res.status !== 503; i++) {
      res = await within(sns.post(JSON.stringify(notification(certs.certUrl))), 20_000, "a third request");
      if (res.status !== 503) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(res.status, 503, `the third request got ${res.status}`);
    assert.equal(res.text, "Busy; retry");
    assert.equal(sns.stored.length, 0, "no request got through while both slots were held");
  } finally {
    for (const s of slow) s.close();
  }
  // Closed connections free their slots (well before the 60 s deadline).
  let status = 0;
  for (let i = 0; i < 200 && status !== 200; i++) {
    status = (await sns.post(JSON.stringify(notification(certs.certUrl)))).status;
    if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.equal(status, 200);
  assert.equal(sns.stored.length, 1);
});
