/**
 * Pipeline: messages per second from s3rver through the S3 source into raw_messages and through the parse
 * job; and end to end (parse → classify with the local fake LLM → route → deliver to the file transport) at
 * several LLM latencies and worker concurrencies, against the bound concurrency / latency.
 */
import { ANSWER_TIMEOUT_MS, jobHandlers, stagePools } from "../src/app.ts";
import { loadConfig } from "../src/config.ts";
import { connectPostgres, type Db } from "../src/db/client.ts";
import { migrate } from "../src/db/migrate.ts";
import { Worker } from "../src/jobs/worker.ts";
import { folderSource } from "../src/mail/folder_source.ts";
import { pollSource } from "../src/mail/ingest.ts";
import { parseJobHandler } from "../src/mail/parse_job.ts";
import { ParsePool } from "../src/mail/parse_pool.ts";
import { RawHandoff } from "../src/mail/raw_handoff.ts";
import { s3Source } from "../src/mail/s3_source.ts";
import { testS3 } from "../tests/helpers/s3.ts";
import { copies, type CorpusFile, loadCorpus } from "./corpus.ts";
import { cpuMsPerMessage, type CpuPerMessage, cpuSnapshot, startCpuProfile } from "./cpu.ts";
import type { Schemas } from "./schemas.ts";

const MAX_MESSAGE_BYTES = 41_943_040;
const DAEMON_POOL_SIZE = loadConfig(() => undefined).databasePoolSize;

/** What {@linkcode benchIngest} measured. */
export interface IngestResult {
  messages: number;
  /** Listing, reading, storing and moving in S3, then parsing: the whole way in. */
  msgs_per_s: number;
  poll_msgs_per_s: number;
  parse_msgs_per_s: number;
}

/** Ingests `messages` copies of the corpus from s3rver, then runs their parse jobs (no next stage). */
export async function benchIngest(
  o: { url: string; schemas: Schemas; messages: number; concurrency: number },
): Promise<IngestResult> {
  await using s3 = await testS3();
  const corpus = await loadCorpus();
  await parallel(16, copies(corpus, o.messages), (m) => s3.put(m.name, m.bytes));
  const source = s3Source({
    bucket: s3.bucket,
    prefix: "",
    processedPrefix: "processed/",
    afterIngest: "move",
    region: "us-east-1",
    endpoint: s3.endpoint,
  }, s3.client);
  return await withDb(o.url, await o.schemas.create("ingest"), async (db) => {
    // The daemon's parse: in worker threads (src/daemon.ts), started before the clock as it does at start.
    using parsePool = new ParsePool({ timeoutMs: 10_000 });
    parsePool.start();
    const started = performance.now();
    // The daemon's ingest concurrency (src/daemon.ts): min(WORKER_CONCURRENCY, 16).
    const summary = await pollSource(db, source, {
      maxMessageBytes: MAX_MESSAGE_BYTES,
      jobMaxAttempts: 5,
      concurrency: Math.min(o.concurrency, 16),
    });
    const polled = performance.now();
    const worker = new Worker(
      db,
      { parse: parseJobHandler(undefined, { parser: parsePool.parse }) },
      workerOptions("ingest", o.concurrency),
    );
    await worker.drain();
    const parsed = performance.now();
    if (summary.stored !== o.messages || worker.counts.done !== o.messages) {
      throw new Error(
        `Ingest stored ${summary.stored} and parsed ${worker.counts.done} of ${o.messages} messages`,
      );
    }
    return {
      messages: o.messages,
      msgs_per_s: perSecond(o.messages, parsed - started),
      poll_msgs_per_s: perSecond(o.messages, polled - started),
      parse_msgs_per_s: perSecond(o.messages, parsed - polled),
    };
  });
}

/** One end-to-end point. */
export interface E2ePoint {
  llm_latency_ms: number;
  concurrency: number;
  msgs_per_s: number;
  /** concurrency / latency; null when the latency is 0 (no bound). */
  bound_msgs_per_s: number | null;
  ratio: number | null;
  messages: number;
  llm_requests: number;
  /** Rate of the classify stage alone (first to last classification), against the same bound. */
  classify_msgs_per_s: number;
  /**
   * CPU ms a timed message cost, by process: the bench's (the daemon's worker and ingest, and the bench's
   * arrivals and completion checks), the fake LLM server's, and every local PostgreSQL process's.
   */
  cpu_ms_per_msg: CpuPerMessage;
}

/** Options of {@linkcode benchE2e}. */
export interface E2eOptions {
  url: string;
  schemas: Schemas;
  latencies: number[];
  concurrencies: number[];
  /** With a latency, enough messages for about this many seconds at the bound (at least 20 and 4 per slot). */
  seconds: number;
  /** Messages per point at latency 0. */
  zeroLatencyMessages: number;
  progress: (line: string) => void;
  /** Run every point in this schema (bench/history.ts: one holding history) instead of a fresh one each. */
  schema?: string;
}

/**
 * Mail a person wrote (the corpus labels), so that every message goes to the model. Mail arrives as the
 * daemon sees it: files land in the inbox folder at 1.25 x the bound (all at once at latency 0), and every
 * tick the source is polled and the running worker notified. The files are written to a staging folder
 * before the clock starts and moved into the inbox as they arrive (as a Maildir delivery does): writing
 * mail is the sender's work, not the daemon's, and held in this process it took the daemon's event loop.
 * Arriving a little faster than the bound keeps a small backlog, so the figure is the pipeline's capacity,
 * with the stages interleaved as in steady state. Before the clock, 2 x concurrency messages run through
 * at once (not counted: a fill of the classify pool's slots, two rounds of the model's requests): the daemon is measured warm, as it runs for days, not while V8 compiles its hot
 * paths and each connection prepares its statements (measured: +0.01 ratio at 200 ms / 32 on idle cores,
 * +0.02-0.03 with a busy-loop process taking one of the two). The clock runs from the first timed arrival
 * to the last message processed (every effect delivered).
 */
export async function benchE2e(o: E2eOptions): Promise<E2ePoint[]> {
  const corpus = await loadCorpus({ humanOnly: true });
  const points: E2ePoint[] = [];
  for (const latency of o.latencies) {
    await using llm = await llmServer(latency);
    for (const c of o.concurrencies) {
      const bound = latency > 0 ? (c * 1000) / latency : null;
      const messages = bound === null
        ? o.zeroLatencyMessages
        : Math.max(20, 4 * c, Math.ceil(bound * o.seconds));
      const schema = o.schema ?? await o.schemas.create(`e2e_${latency}_${c}`);
      const point = await withDb(o.url, schema, async (db) => {
        const run = await runArrivals(db, {
          corpus,
          messages,
          concurrency: c,
          perSecond: bound === null ? Infinity : bound * 1.25,
          warmUp: warmUpMessages(c),
          llmPid: llm.pid,
          env: { OPENAI_API_KEY: "bench", OPENAI_BASE_URL: llm.baseURL },
        });
        const msgs = perSecond(messages, run.elapsedMs);
        return {
          llm_latency_ms: latency,
          concurrency: c,
          msgs_per_s: msgs,
          bound_msgs_per_s: bound,
          ratio: bound === null ? null : round2(msgs / bound),
          messages,
          llm_requests: await llmClassified(db, run.afterEmailId),
          classify_msgs_per_s: await classifyRate(db, run.afterEmailId),
          cpu_ms_per_msg: run.cpu,
        };
      });
      points.push(point);
      o.progress(
        `e2e latency=${latency} ms c=${c}: ${point.msgs_per_s} msgs/s` +
          (bound === null ? "" : ` of ${bound} (${Math.round(point.ratio! * 100)}%)`) +
          `, ${messages} messages, classify stage ${point.classify_msgs_per_s} msgs/s`,
      );
    }
  }
  return points;
}

const TICK_MS = 20;

/** Feeds `messages` at `perSecond` into a running worker; returns the ms until the last one is processed. */
async function runArrivals(db: Db, o: {
  corpus: CorpusFile[];
  messages: number;
  concurrency: number;
  perSecond: number;
  env: Record<string, string>;
  /** Messages run through before the clock starts. */
  warmUp: number;
  llmPid: number;
}): Promise<{ elapsedMs: number; afterEmailId: number; cpu: CpuPerMessage }> {
  const inbox = await Deno.makeTempDir({ prefix: "bench-inbox-" });
  const outbox = await Deno.makeTempDir({ prefix: "bench-outbox-" });
  // The mail, written before the clock starts beside the inbox (one file system: a move is a rename).
  const staging = await Deno.makeTempDir({ prefix: "bench-staging-" });
  const env: Record<string, string> = {
    ...o.env,
    OUTBOX_DIR: outbox,
    SEND_RATE: "10000",
    WORKER_CONCURRENCY: String(o.concurrency),
  };
  // The daemon's worker (src/daemon.ts): classification in a pool of its own, the other stages in another;
  // parse jobs take what ingest stored from the hand-off.
  const handoff = new RawHandoff();
  // Messages parsed in worker threads, as the daemon does (src/daemon.ts).
  using parsePool = new ParsePool({ timeoutMs: 10_000 });
  parsePool.start();
  const worker = new Worker(
    db,
    await jobHandlers(loadConfig((name) => env[name]), { handoff, parser: parsePool.parse }),
    {
      ...workerOptions("e2e", o.concurrency),
      pools: stagePools(o.concurrency),
    },
  );
  const source = folderSource(inbox);
  const names: string[] = [];
  // The daemon's ingest concurrency (src/daemon.ts): min(WORKER_CONCURRENCY, 16).
  const poll = async () => {
    const summary = await pollSource(db, source, {
      maxMessageBytes: MAX_MESSAGE_BYTES,
      jobMaxAttempts: 5,
      concurrency: Math.min(o.concurrency, 16),
      handoff,
    });
    if (summary.errors > 0) throw new Error(`End to end: ${summary.errors} messages failed to ingest`);
    worker.notify();
  };
  const warm = o.warmUp;
  const total = warm + o.messages;
  // Emails already there (bench/history.ts) are not this run's.
  const before = await lastEmailId(db);
  try {
    for (const m of copies(o.corpus, total, before > 0 ? `r${before}x` : "")) {
      await Deno.writeFile(`${staging}/${m.name}`, m.bytes);
      names.push(m.name);
    }
    await worker.start();
    let sent = 0;
    if (warm > 0) {
      for (; sent < warm; sent++) Deno.renameSync(`${staging}/${names[sent]}`, `${inbox}/${names[sent]}`);
      await poll();
      while (!await allProcessed(db, warm, before)) await new Promise((r) => setTimeout(r, TICK_MS));
    }
    const afterEmailId = await lastEmailId(db);
    // BENCH_CPU_PROFILE=FILE: a V8 CPU profile of the timed run (the last point's), for Chrome DevTools.
    const profile = Deno.env.get("BENCH_CPU_PROFILE") ? await startCpuProfile() : undefined;
    const cpuBefore = cpuSnapshot(o.llmPid);
    const started = performance.now();
    for (;;) {
      const due = Math.min(
        total,
        warm + Math.floor(((performance.now() - started) / 1000) * o.perSecond) + 1,
      );
      if (due > sent) {
        // renameSync: ~5 us of this thread a file, where an awaited rename takes ~45 us (measured).
        for (; sent < due; sent++) Deno.renameSync(`${staging}/${names[sent]}`, `${inbox}/${names[sent]}`);
        await poll();
      }
      if (sent === total && await allProcessed(db, total, before)) {
        const elapsedMs = performance.now() - started;
        const cpu = cpuMsPerMessage(cpuBefore, cpuSnapshot(o.llmPid), o.messages);
        if (profile) {
          Deno.writeTextFileSync(Deno.env.get("BENCH_CPU_PROFILE")!, JSON.stringify(await profile()));
        }
        return {
          elapsedMs,
          afterEmailId,
          cpu,
        };
      }
      await new Promise((r) => setTimeout(r, TICK_MS));
    }
  } finally {
    await worker.stop(5_000);
    await Deno.remove(inbox, { recursive: true });
    await Deno.remove(outbox, { recursive: true });
    await Deno.remove(staging, { recursive: true });
  }
}

async function allProcessed(db: Db, messages: number, afterId: number): Promise<boolean> {
  // Asked every tick while the clock runs, so through the partial indexes of jobs: counting every job not
  // done scanned the whole table (~3,500 rows at 800 messages) 50 times a second beside the pipeline.
  const { rows } = await db.query<{ processed: number; open: boolean; failed: number }>(
    `SELECT (SELECT count(*)::int FROM emails WHERE processed AND id > $1) AS processed,
            EXISTS (SELECT 1 FROM jobs WHERE state = 'pending')
              OR EXISTS (SELECT 1 FROM jobs WHERE state = 'running') AS open,
            (SELECT count(*)::int FROM jobs WHERE state = 'failed') AS failed`,
    [afterId],
  );
  const r = rows[0];
  if (r.failed > 0) throw new Error(`End to end: ${r.failed} jobs failed`);
  if (r.processed > messages) throw new Error(`End to end: ${r.processed} of ${messages} processed`);
  return r.processed === messages && !r.open;
}

/** Starts bench/llm_server.ts in a child process; resolves once it listens. */
async function llmServer(
  latency: number,
): Promise<{ baseURL: string; pid: number; [Symbol.asyncDispose](): Promise<void> }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", new URL("./llm_server.ts", import.meta.url).pathname, String(latency)],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!out.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("bench/llm_server.ts exited before printing its URL");
    out += value;
  }
  reader.releaseLock();
  return {
    baseURL: out.trim(),
    pid: child.pid,
    async [Symbol.asyncDispose]() {
      child.kill("SIGTERM");
      await child.status;
      await child.stdout.cancel().catch(() => {});
    },
  };
}

/** Emails the model classified: one successful LLM request each. */
async function llmClassified(db: Db, afterId: number): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM emails WHERE classifier = 'llm' AND id > $1",
    [afterId],
  );
  return rows[0].n;
}

/**
 * A fill of the classify pool's slots (2 x concurrency, see stagePools), two rounds of the model's requests:
 * enough to compile the hot paths and prepare every statement.
 */
function warmUpMessages(concurrency: number): number {
  return Math.max(4, 2 * concurrency);
}

async function lastEmailId(db: Db): Promise<number> {
  const { rows } = await db.query<{ id: number }>("SELECT coalesce(max(id), 0)::int AS id FROM emails");
  return rows[0].id;
}

/** The classify stage's rate over the emails of the timed run (ids after `afterId`). */
async function classifyRate(db: Db, afterId: number): Promise<number> {
  const { rows } = await db.query<{ n: number; span: number }>(
    `SELECT count(*)::int AS n, extract(epoch FROM max(classified_at) - min(classified_at))::float8 AS span
     FROM emails WHERE classifier = 'llm' AND id > $1`,
    [afterId],
  );
  const { n, span } = rows[0];
  return n > 1 && span > 0 ? Math.round((n - 1) / span) : 0;
}

async function withDb<T>(url: string, schema: string, fn: (db: Db) => Promise<T>) {
  // The daemon's pool (src/app.ts openDatabase): DATABASE_POOL_SIZE at its default, the same deadline.
  const db = connectPostgres(url, {
    schema,
    max: DAEMON_POOL_SIZE,
    answerTimeoutMs: ANSWER_TIMEOUT_MS,
    applicationName: "bench",
  });
  try {
    await migrate(db);
    return await fn(db);
  } finally {
    await db.close();
  }
}

function workerOptions(name: string, concurrency: number) {
  return { workerId: `bench-${name}-${concurrency}`, concurrency, leaseMs: 60_000, pollMs: 1_000 };
}

async function parallel<T>(concurrency: number, items: Iterable<T>, task: (item: T) => Promise<void>) {
  const iterator = items[Symbol.iterator]();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let next = iterator.next(); !next.done; next = iterator.next()) await task(next.value);
  }));
}

function perSecond(count: number, ms: number): number {
  return Math.round((count * 10_000) / ms) / 10;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
