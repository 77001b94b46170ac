/** A local webhook receiver that counts deliveries per idempotency key and checks signatures. */
import { verifyWebhook } from "../../src/act/webhook.ts";

/** A running receiver. */
export interface WebhookReceiver {
  url: string;
  port: number;
  /** Deliveries answered 2xx, per Idempotency-Key. */
  keys: Map<string, number>;
  badSignatures: number;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts a receiver (on `port`, or a free one) that verifies `secret` signatures. */
export function webhookReceiver(secret: string, port = 0): WebhookReceiver {
  const keys = new Map<string, number>();
  const self = { keys, badSignatures: 0 } as WebhookReceiver;
  const server = Deno.serve({ port, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    const body = await req.text();
    if (!(await verifyWebhook(secret, req.headers, body))) {
      self.badSignatures++;
      return new Response("bad signature", { status: 401 });
    }
    const key = req.headers.get("idempotency-key") ?? "";
    keys.set(key, (keys.get(key) ?? 0) + 1);
    return new Response("ok");
  });
  self.port = server.addr.port;
  self.url = `http://127.0.0.1:${server.addr.port}/hook`;
  self[Symbol.asyncDispose] = () => server.shutdown();
  return self;
}
