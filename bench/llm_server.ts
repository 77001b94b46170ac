/**
 * The local LLM endpoint of the end-to-end bench, in a process of its own: a real model runs elsewhere, so
 * its HTTP serving must not take the event loop of the pipeline being measured (in-process it did).
 * Usage: deno run --allow-net bench/llm_server.ts <latency ms>; prints its base URL, serves until killed.
 */
import { fakeLlm } from "../tests/helpers/fake_llm.ts";

const latency = Number(Deno.args[0] ?? 0);
const llm = fakeLlm(latency > 0 ? { delayMs: latency, intent: "send_info" } : { intent: "send_info" });
console.log(llm.baseURL);
Deno.addSignalListener("SIGTERM", async () => {
  await llm[Symbol.asyncDispose]();
  Deno.exit(0);
});
