/**
 * A local OpenAI-compatible endpoint (POST /v1/chat/completions) for tests: each request takes the next
 * scripted behaviour (then the last one again), and every request body is recorded.
 */

/** What the server does with one request. */
export type Behaviour =
  | { intent: string }
  | { content: string }
  | { status: number; retryAfter?: string }
  | { delayMs: number; intent: string };

/** A running fake endpoint. */
export interface FakeLlm {
  baseURL: string;
  requests: { messages: { role: string; content: string }[]; [k: string]: unknown }[];
  /** The most requests it was answering at one time. */
  readonly maxInFlight: number;
  script(...behaviours: Behaviour[]): void;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts the endpoint on a free local port. */
export function fakeLlm(...initial: Behaviour[]): FakeLlm {
  let script = [...initial];
  const requests: FakeLlm["requests"] = [];
  let inFlight = 0, maxInFlight = 0;
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    try {
      return await answer(req);
    } finally {
      inFlight--;
    }
  });
  const answer = async (req: Request) => {
    const body = await req.json();
    requests.push(body);
    const b = script.length > 1 ? script.shift()! : script[0] ?? { intent: "unknown" };
    if ("status" in b) {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (b.retryAfter) headers["retry-after"] = b.retryAfter;
      return new Response(JSON.stringify({ error: { message: `scripted ${b.status}`, type: "test" } }), {
        status: b.status,
        headers,
      });
    }
    if ("delayMs" in b) await new Promise((r) => setTimeout(r, b.delayMs));
    const content = "content" in b ? b.content : JSON.stringify({ intent: b.intent });
    return Response.json({
      id: "chatcmpl-test",
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
      usage: { prompt_tokens: 321, completion_tokens: 7, total_tokens: 328 },
    });
  };
  return {
    baseURL: `http://127.0.0.1:${server.addr.port}/v1`,
    requests,
    get maxInFlight() {
      return maxInFlight;
    },
    script: (...b) => (script = [...b]),
    async [Symbol.asyncDispose]() {
      await server.shutdown();
    },
  };
}
