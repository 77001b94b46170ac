/**
 * A local SQS endpoint for tests, speaking the AWS JSON 1.0 protocol the v3 SDK uses (`X-Amz-Target:
 * AmazonSQS.ReceiveMessage` …): one in-memory standard queue with visibility timeouts, receipt handles and
 * receive counts, so redelivery and dead-letter behaviour can be observed.
 */
import { createHash } from "node:crypto";

interface Message {
  id: string;
  body: string;
  visibleAt: number;
  receipts: number;
  handle: string | null;
}

/** A running fake queue. */
export interface FakeSqs {
  endpoint: string;
  queueUrl: string;
  /** Adds a message (as SNS would); returns its id. */
  send(body: string): string;
  /** Messages still in the queue (visible or not). */
  remaining(): { id: string; body: string; receipts: number }[];
  /** How many DeleteMessage calls succeeded. */
  deleted: number;
  /** How many ReceiveMessage calls were answered. */
  receives: number;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts the queue; received messages stay invisible for `visibilityMs`. */
export function fakeSqs(options: { visibilityMs?: number; maxWaitMs?: number } = {}): FakeSqs {
  const visibility = options.visibilityMs ?? 30_000;
  const maxWait = options.maxWaitMs ?? 300;
  const messages: Message[] = [];
  let seq = 0;
  const self = { deleted: 0, receives: 0 } as FakeSqs;
  const md5 = (s: string) => createHash("md5").update(s).digest("hex");
  const error = (status: number, type: string, message: string) =>
    new Response(JSON.stringify({ __type: type, message }), {
      status,
      headers: { "content-type": "application/x-amz-json-1.0" },
    });
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    const target = req.headers.get("x-amz-target") ?? "";
    const input = await req.json().catch(() => ({}));
    const reply = (body: unknown) =>
      new Response(JSON.stringify(body), { headers: { "content-type": "application/x-amz-json-1.0" } });
    if (target === "AmazonSQS.ReceiveMessage") {
      const until = Date.now() + Math.min(maxWait, (input.WaitTimeSeconds ?? 0) * 1000);
      for (;;) {
        const now = Date.now();
        const ready = messages.filter((m) => m.visibleAt <= now).slice(0, input.MaxNumberOfMessages ?? 1);
        if (ready.length > 0 || now >= until) {
          for (const m of ready) {
            m.visibleAt = now + visibility;
            m.receipts++;
            m.handle = `${m.id}:${m.receipts}:${crypto.randomUUID()}`;
          }
          self.receives++;
          return reply({
            Messages: ready.map((m) => ({
              MessageId: m.id,
              ReceiptHandle: m.handle,
              MD5OfBody: md5(m.body),
              Body: m.body,
            })),
          });
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    if (target === "AmazonSQS.DeleteMessage") {
      const i = messages.findIndex((m) => m.handle === input.ReceiptHandle);
      if (i < 0) {
        return error(400, "com.amazonaws.sqs#ReceiptHandleIsInvalid", "The receipt handle is not valid");
      }
      messages.splice(i, 1);
      self.deleted++;
      return reply({});
    }
    return error(400, "com.amazonaws.sqs#UnsupportedOperation", `${target} is not supported here`);
  });
  const endpoint = `http://127.0.0.1:${server.addr.port}`;
  self.endpoint = endpoint;
  self.queueUrl = `${endpoint}/000000000000/ses-inbound`;
  self.send = (body) => {
    const id = `msg-${++seq}`;
    messages.push({ id, body, visibleAt: 0, receipts: 0, handle: null });
    return id;
  };
  self.remaining = () => messages.map((m) => ({ id: m.id, body: m.body, receipts: m.receipts }));
  self[Symbol.asyncDispose] = () => server.shutdown();
  return self;
}

/** An SES receipt notification for an object, inside an SNS envelope (or raw, with `raw: true`). */
export function sesNotification(
  bucket: string,
  key: string,
  options: { raw?: boolean; spam?: string; virus?: string; messageId?: string } = {},
): string {
  const notification = {
    notificationType: "Received",
    mail: {
      timestamp: new Date().toISOString(),
      source: "sender@example.com",
      messageId: options.messageId ?? crypto.randomUUID(),
      destination: ["hello@frflashy.com"],
    },
    receipt: {
      timestamp: new Date().toISOString(),
      recipients: ["hello@frflashy.com"],
      spamVerdict: { status: options.spam ?? "PASS" },
      virusVerdict: { status: options.virus ?? "PASS" },
      spfVerdict: { status: "PASS" },
      dkimVerdict: { status: "PASS" },
      dmarcVerdict: { status: "PASS" },
      action: {
        type: "S3",
        topicArn: "arn:aws:sns:us-east-1:000000000000:ses-inbound",
        bucketName: bucket,
        objectKey: key,
      },
    },
  };
  if (options.raw) return JSON.stringify(notification);
  return JSON.stringify({
    Type: "Notification",
    MessageId: crypto.randomUUID(),
    TopicArn: "arn:aws:sns:us-east-1:000000000000:ses-inbound",
    Subject: "Amazon SES Email Receipt Notification",
    Message: JSON.stringify(notification),
    Timestamp: new Date().toISOString(),
    SignatureVersion: "1",
    Signature: "not-checked-on-sqs",
    SigningCertURL: "https://sns.us-east-1.amazonaws.com/x.pem",
  });
}
