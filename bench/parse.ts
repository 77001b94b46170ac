/**
 * `deno run -A bench/parse.ts [--stall-mb 1,10] [--rounds 5] [--size 2]`: what parsing costs the event loop
 * and how fast it goes, in-process (`parseEmail`) against the worker pool (`ParsePool`).
 *
 * - stall: the longest gap of a 10 ms interval timer while one slow message (short lines, boundary-like
 *   lines; tests/helpers/slow_mail.ts) is parsed. In-process the gap is the whole parse; with the pool it
 *   should stay near the timer's period. The pool's deadline is set high enough to let the parse finish.
 * - throughput: the dev corpus parsed `rounds` times, messages a second, with as many parses in flight as
 *   the pool has workers (in-process they run one after the other anyway).
 */
import { parseArgs } from "node:util";
import { parseEmail } from "../src/mail/parse.ts";
import { ParsePool, type Parser } from "../src/mail/parse_pool.ts";
import { CORPUS_DIR } from "../tests/helpers/corpus.ts";
import { boundaryLinesMessage, shortLinesMessage } from "../tests/helpers/slow_mail.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    "stall-mb": { type: "string", default: "1,10" },
    rounds: { type: "string", default: "5" },
    size: { type: "string", default: "2" },
    json: { type: "boolean", default: false },
  },
});
const size = Number(values.size);

/** The longest gap between ticks of a 10 ms interval while `work` runs, and how long it ran, ms. */
async function stall(work: () => Promise<unknown>): Promise<{ maxGapMs: number; parseMs: number }> {
  let last = performance.now();
  let maxGap = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 10);
  // Let the timer tick once before the work starts.
  await new Promise((r) => setTimeout(r, 30));
  const start = performance.now();
  await work();
  const parseMs = performance.now() - start;
  maxGap = Math.max(maxGap, performance.now() - last);
  clearInterval(timer);
  return { maxGapMs: Math.round(maxGap), parseMs: Math.round(parseMs) };
}

async function throughput(parser: Parser, files: Uint8Array[], rounds: number, inFlight: number) {
  const start = performance.now();
  let n = 0;
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < files.length; i += inFlight) {
      await Promise.all(files.slice(i, i + inFlight).map((f) => parser(f)));
      n += Math.min(inFlight, files.length - i);
    }
  }
  return Math.round(n / ((performance.now() - start) / 1000));
}

const results: Record<string, unknown> = {};
using pool = new ParsePool({ timeoutMs: 10 * 60_000, size });
pool.start();

const files: Uint8Array[] = [];
for (const e of Deno.readDirSync(CORPUS_DIR)) {
  if (e.name.endsWith(".eml")) files.push(Deno.readFileSync(`${CORPUS_DIR}/${e.name}`));
}
await throughput(pool.parse, files, 1, size); // warm-up: the workers compile postal-mime
await throughput(parseEmail, files, 1, 1);
const rounds = Number(values.rounds);
results.corpus_messages = files.length;
results.in_process_msgs_per_s = await throughput(parseEmail, files, rounds, 1);
results.worker_msgs_per_s = await throughput(pool.parse, files, rounds, size);
results.worker_one_at_a_time_msgs_per_s = await throughput(pool.parse, files, rounds, 1);
console.error(`corpus throughput: ${JSON.stringify(results)}`);

for (const mb of values["stall-mb"].split(",").map(Number)) {
  for (
    const [kind, make] of [["short_lines", shortLinesMessage], [
      "boundary_lines",
      boundaryLinesMessage,
    ]] as const
  ) {
    const raw = make(mb * 1_000_000);
    const worker = await stall(() => pool.parse(raw));
    const inProcess = await stall(() => parseEmail(raw));
    results[`${kind}_${mb}mb`] = { in_process: inProcess, worker };
    console.error(
      `${kind} ${mb} MB: in-process ${JSON.stringify(inProcess)}, worker ${JSON.stringify(worker)}`,
    );
  }
}
if (values.json) console.log(JSON.stringify(results));
