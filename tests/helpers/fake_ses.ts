/**
 * A local endpoint speaking enough of the SESv2 REST-JSON protocol for SendEmail, for the real SDK to talk to.
 * It records when each request arrived and answers 200, or (`mode`) holds the request without answering, or
 * reads it whole and then cuts the connection (the cases where the client cannot know whether SES sent).
 */
import { sesTransport } from "../../src/act/ses_transport.ts";
import type { MailTransport } from "../../src/act/transport.ts";

/** How the fake answers. */
export type FakeSesMode = "ok" | "hang" | "cut";

/** A running fake SES. */
export interface FakeSes {
  endpoint: string;
  /** Arrival times (performance.now()) and recipients of the requests read so far. */
  requests: { at: number; to: string[] }[];
  mode: FakeSesMode;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts the fake on a free port (raw TCP, so that it can cut a connection after reading a request). */
export function fakeSes(mode: FakeSesMode = "ok"): FakeSes {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const fake: FakeSes = {
    endpoint: `http://127.0.0.1:${listener.addr.port}`,
    requests: [],
    mode,
    async [Symbol.asyncDispose]() {
      listener.close();
      for (const c of conns) closeQuietly(c);
      await accepting;
    },
  };
  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        conns.add(conn);
        serve(conn).finally(() => {
          conns.delete(conn);
          closeQuietly(conn);
        });
      }
    } catch { /* closed */ }
  })();

  async function serve(conn: Deno.Conn): Promise<void> {
    let buffer: Uint8Array = new Uint8Array(0);
    const chunk = new Uint8Array(64 * 1024);
    for (;;) {
      // One request: headers, then Content-Length bytes of body (the SDK sends no chunked bodies).
      let end = -1;
      let length = 0;
      for (;;) {
        const text = new TextDecoder("latin1").decode(buffer);
        end = text.indexOf("\r\n\r\n");
        if (end >= 0) {
          length = Number(/content-length:\s*(\d+)/i.exec(text.slice(0, end))?.[1] ?? 0);
          if (buffer.length >= end + 4 + length) break;
        }
        const n = await conn.read(chunk).catch(() => null);
        if (n === null) return;
        buffer = concat(buffer, chunk.subarray(0, n));
      }
      const body = new TextDecoder().decode(buffer.subarray(end + 4, end + 4 + length));
      buffer = buffer.slice(end + 4 + length);
      let to: string[] = [];
      try {
        to = JSON.parse(body).Destination?.ToAddresses ?? [];
      } catch { /* recorded without recipients */ }
      fake.requests.push({ at: performance.now(), to });
      if (fake.mode === "cut") return;
      if (fake.mode === "hang") {
        await conn.read(chunk).catch(() => null); // until the client gives up or the fake closes
        return;
      }
      const json = JSON.stringify({ MessageId: `0100-test-${fake.requests.length}` });
      const answer =
        `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${json.length}\r\n\r\n${json}`;
      await conn.write(new TextEncoder().encode(answer)).catch(() => {});
    }
  }
  return fake;
}

/** The SES transport pointed at `endpoint`; dispose closes its connections. */
export function sesFor(endpoint: string, timeoutMs = 5_000): MailTransport & Disposable {
  const t = sesTransport({
    region: "eu-west-1",
    endpoint,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    timeoutMs,
  });
  return Object.assign(t, { [Symbol.dispose]: () => t.close?.() });
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch { /* already closed */ }
}
