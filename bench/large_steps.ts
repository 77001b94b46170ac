/**
 * Where a large message's memory goes: the steps from ingest to classification run one by one in this process,
 * each followed by the process's peak RSS so far (VmHWM, /proc/self/status) and its current RSS.
 * `deno run -A --v8-flags=--max-semi-space-size=4,--heap-growing-percent=50 bench/large_steps.ts [bytes]`
 */
import { classifyOffline } from "../src/classify/offline.ts";
import { connectPostgres } from "../src/db/client.ts";
import { getRawMessage, storeRawMessage } from "../src/db/emails.ts";
import { migrate } from "../src/db/migrate.ts";
import { contentKey } from "../src/mail/content_key.ts";
import { sha256Hex } from "../src/mail/hex.ts";
import { parseEmail } from "../src/mail/parse.ts";
import { TEST_DATABASE_URL } from "../tests/helpers/db.ts";

const bytes = Number(Deno.args[0] ?? 41_943_040 - 65_536);
const url = Deno.env.get("BENCH_DATABASE_URL") ?? TEST_DATABASE_URL;

function mib(kind: "VmHWM" | "VmRSS"): number {
  const m = new RegExp(`^${kind}:\\s+(\\d+) kB`, "m").exec(Deno.readTextFileSync("/proc/self/status"));
  return Math.round(Number(m?.[1] ?? 0) / 1024);
}
function step(name: string): void {
  console.log(`${name.padEnd(28)} peak ${String(mib("VmHWM")).padStart(4)} MiB, now ${mib("VmRSS")} MiB`);
}

const schema = `bench_steps_${crypto.randomUUID().replaceAll("-", "").slice(0, 8)}`;
const admin = connectPostgres(url, { max: 1, applicationName: "bench" });
await admin.query(`CREATE SCHEMA ${schema}`);
const db = connectPostgres(url, { schema, max: 2, applicationName: "bench" });
try {
  await migrate(db);
  step("start (migrated)");
  // Written by a child process, so that building it does not count here.
  const path = await Deno.makeTempFile({ suffix: ".eml" });
  const write =
    `import { largeMessage } from ${JSON.stringify(new URL("./memory.ts", import.meta.url).href)};` +
    `await Deno.writeFile(${JSON.stringify(path)}, largeMessage(${bytes}));`;
  const out = await new Deno.Command(Deno.execPath(), { args: ["eval", write] }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  let raw: Uint8Array | null = await Deno.readFile(path);
  await Deno.remove(path);
  step(`read ${Math.round(raw.length / 1048576)} MiB`);
  const sha = sha256Hex(raw);
  const key = contentKey(raw);
  step("sha256 + content key");
  const row = await storeRawMessage(db, {
    sourceKey: `steps:${sha}`,
    source: "folder",
    location: null,
    sha256: sha,
    sizeBytes: raw.length,
    raw,
    error: null,
    contentKey: key,
  }, { kind: "parse", maxAttempts: 5 });
  raw = null;
  step("stored");
  const back = await getRawMessage(db, row!.id);
  step("read back");
  const parsed = await parseEmail(back!.raw!);
  step("parsed");
  const result = classifyOffline({ subject: parsed.subject ?? "", text: parsed.body ?? "" });
  step(`classified (${result.intent})`);
} finally {
  await db.close();
  await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin.close();
}
