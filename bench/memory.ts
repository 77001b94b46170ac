/**
 * Memory: the daemon's own peak RSS, measured on a child process (`run --once` over an inbox folder, the
 * offline classifier, the file transport), sampled from /proc/<pid>/status: VmHWM is the kernel's high-water
 * mark, so a spike between two samples is not missed. The child gets the unit's MALLOC_ARENA_MAX.
 */
import { connectPostgres } from "../src/db/client.ts";
import { cliCommand } from "../tests/helpers/cli.ts";
import { loadCorpus, writeCorpusCopies } from "./corpus.ts";
import type { Schemas } from "./schemas.ts";

/** The unit's MALLOC_ARENA_MAX (ses-daemon-bot.service), so the daemon is measured as it runs there. */
const UNIT_MALLOC_ARENA_MAX = /^Environment=MALLOC_ARENA_MAX=(\d+)$/m.exec(
  Deno.readTextFileSync(new URL("../ses-daemon-bot.service", import.meta.url)),
)?.[1];

/** What one daemon run measured. */
export interface RssResult {
  messages: number;
  /** Peak resident set size (VmHWM), in MiB. */
  peak_mb: number;
  seconds: number;
}

/** Options of the memory runs. */
export interface MemoryOptions {
  url: string;
  schemas: Schemas;
  /** WORKER_CONCURRENCY of the daemon. */
  concurrency: number;
}

/** Peak RSS of the daemon over an empty inbox: start-up, migrations, one poll, exit. */
export async function rssIdle(o: MemoryOptions): Promise<RssResult> {
  const inbox = await Deno.makeTempDir({ prefix: "bench-rss-idle-" });
  try {
    return await runDaemonOnce(o, inbox, 0, "rss_idle");
  } finally {
    await Deno.remove(inbox, { recursive: true });
  }
}

/** Peak RSS of the daemon taking `messages` copies of the corpus through every stage. */
export async function rssManyMessages(o: MemoryOptions & { messages: number }): Promise<RssResult> {
  const inbox = await Deno.makeTempDir({ prefix: "bench-rss-" });
  try {
    await writeCorpusCopies(await loadCorpus(), inbox, o.messages);
    return await runDaemonOnce(o, inbox, o.messages, "rss_many");
  } finally {
    await Deno.remove(inbox, { recursive: true });
  }
}

/** Peak RSS of the daemon taking one message just under MAX_MESSAGE_BYTES (40 MiB) through every stage. */
export async function rssLargeMessage(o: MemoryOptions & { bytes: number }): Promise<RssResult> {
  const inbox = await Deno.makeTempDir({ prefix: "bench-rss-large-" });
  try {
    await Deno.writeFile(`${inbox}/large.eml`, largeMessage(o.bytes));
    return await runDaemonOnce(o, inbox, 1, "rss_large", { parsed: true });
  } finally {
    await Deno.remove(inbox, { recursive: true });
  }
}

async function runDaemonOnce(
  o: MemoryOptions,
  inbox: string,
  messages: number,
  name: string,
  expect: { parsed?: boolean } = {},
): Promise<RssResult> {
  const schema = await o.schemas.create(name);
  const child = cliCommand(["run", "--once"], {
    DATABASE_URL: o.url,
    DATABASE_SCHEMA: schema,
    INBOX_DIR: inbox,
    WORKER_CONCURRENCY: String(o.concurrency),
    SEND_RATE: "10000",
    LOG_LEVEL: "warning",
    ...(UNIT_MALLOC_ARENA_MAX ? { MALLOC_ARENA_MAX: UNIT_MALLOC_ARENA_MAX } : {}),
  }).spawn();
  const started = performance.now();
  const output = Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text()]);
  let peakKb = 0;
  const sample = () => (peakKb = Math.max(peakKb, readHwmKb(child.pid)));
  const timer = setInterval(sample, 25);
  const status = await child.status;
  clearInterval(timer);
  const seconds = (performance.now() - started) / 1000;
  const [stdout, stderr] = await output;
  if (!status.success) {
    throw new Error(`The daemon exited with ${status.code}:\n${(stdout + stderr).slice(-2000)}`);
  }
  await expectEmails(o.url, schema, messages, expect.parsed ?? false);
  return { messages, peak_mb: Math.round(peakKb / 1024), seconds: Math.round(seconds * 10) / 10 };
}

/** VmHWM of a running process in kB; 0 once it has exited. */
function readHwmKb(pid: number): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

async function expectEmails(url: string, schema: string, messages: number, parsed: boolean): Promise<void> {
  const db = connectPostgres(url, { schema, max: 1, applicationName: "bench" });
  try {
    const { rows } = await db.query<{ n: number; parsed: number }>(
      "SELECT count(*)::int AS n, count(*) FILTER (WHERE parse_error IS NULL)::int AS parsed FROM emails",
    );
    if (rows[0].n !== messages) throw new Error(`The daemon stored ${rows[0].n} of ${messages} emails`);
    if (parsed && rows[0].parsed !== messages) throw new Error("The daemon did not parse the large message");
  } finally {
    await db.close();
  }
}

/** A message of about `bytes` bytes: a short question and one base64 attachment of random bytes. */
export function largeMessage(bytes: number): Uint8Array {
  const head = [
    "From: Big Sender <big@example.org>",
    "To: hello@frflashy.com",
    "Subject: Our brochure, and a question about team plans",
    "Date: Mon, 2 Feb 2026 10:00:00 +0000",
    "Message-ID: <bench-large@example.org>",
    "MIME-Version: 1.0",
    'Content-Type: multipart/mixed; boundary="b1"',
    "",
    "--b1",
    "Content-Type: text/plain; charset=utf-8",
    "",
    "Hello, please find our brochure attached. How much is the team plan for 40 people?",
    "",
    "--b1",
    'Content-Type: application/pdf; name="brochure.pdf"',
    "Content-Transfer-Encoding: base64",
    'Content-Disposition: attachment; filename="brochure.pdf"',
    "",
    "",
  ].join("\r\n");
  const tail = "\r\n--b1--\r\n";
  // Base64 lines of 76 characters + CRLF carry 57 bytes each.
  const lines = Math.floor((bytes - head.length - tail.length) / 78);
  const out = new Uint8Array(head.length + lines * 78 + tail.length);
  const enc = new TextEncoder();
  out.set(enc.encode(head), 0);
  const chunk = new Uint8Array(57 * 1000);
  let at = head.length;
  for (let done = 0; done < lines; done += 1000) {
    crypto.getRandomValues(chunk);
    let binary = "";
    for (let i = 0; i < chunk.length; i += 8192) {
      binary += String.fromCharCode(...chunk.subarray(i, i + 8192));
    }
    const b64 = btoa(binary);
    for (let i = 0; i < 1000 && done + i < lines; i++) {
      out.set(enc.encode(b64.slice(i * 76, i * 76 + 76) + "\r\n"), at);
      at += 78;
    }
  }
  out.set(enc.encode(tail), at);
  return out;
}
