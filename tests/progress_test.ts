import assert from "node:assert/strict";
import { enqueueJob } from "../src/db/jobs.ts";
import { watchDrain } from "../src/jobs/drain_progress.ts";
import { clearProgressLine, formatProgress, Progress } from "../src/progress.ts";
import { cliCommand } from "./helpers/cli.ts";
import { testDb } from "./helpers/db.ts";

Deno.test("a progress line says done of total, the share and the rate", () => {
  assert.equal(
    formatProgress("classified", { done: 30, total: 120, elapsedMs: 2000 }),
    "classified 30/120 (25%), 15.0/s",
  );
  assert.equal(formatProgress("stored", { done: 1500, elapsedMs: 3000 }), "stored 1500, 500/s");
  assert.equal(
    formatProgress("jobs done", { done: 0, total: 0, elapsedMs: 0 }),
    "jobs done 0/0 (100%), 0.0/s",
  );
});

Deno.test("a progress line redraws in place at most every everyMs, and is erased at the end", () => {
  let clock = 0;
  const out: string[] = [];
  const p = new Progress("stored", {
    enabled: true,
    write: (t) => out.push(t),
    everyMs: 100,
    now: () => clock,
  });
  p.update(1);
  clock = 50;
  p.update(2); // too soon: not drawn
  clock = 1000;
  p.update(3, 10);
  assert.deepEqual(out, ["\r\x1b[2Kstored 1, 0.0/s", "\r\x1b[2Kstored 3/10 (30%), 3.0/s"]);
  clearProgressLine(); // what the log sink does before a log line
  assert.equal(out.at(-1), "\r\x1b[2K");
  clock = 1010;
  p.update(4, 10); // redrawn at once after a log line cleared it
  assert.equal(out.at(-1), "\r\x1b[2Kstored 4/10 (40%), 4.0/s");
  p.end();
  assert.equal(out.at(-1), "\r\x1b[2K");
  clearProgressLine();
  assert.equal(out.length, 5, "an ended line is not cleared again");
});

Deno.test("a progress line that is off writes nothing", () => {
  const out: string[] = [];
  const p = new Progress("stored", { enabled: false, write: (t) => out.push(t) });
  for (let i = 0; i < 100; i++) p.update(i, 100);
  p.end();
  assert.deepEqual(out, []);
  assert.equal(p.done, 99);
});

Deno.test("the drain progress counts finished jobs against the open ones in the database", async () => {
  await using t = await testDb();
  for (let i = 0; i < 3; i++) await enqueueJob(t.db, { kind: "noop", maxAttempts: 1 });
  const out: string[] = [];
  const counts = { done: 2, retried: 0, failed: 1, lost: 0 };
  const watch = watchDrain(
    t.db,
    { counts },
    new Progress("jobs done", { enabled: true, write: (x) => out.push(x) }),
    20,
  );
  for (let i = 0; i < 100 && out.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  await watch.stop();
  assert.ok(out[0].startsWith("\r\x1b[2Kjobs done 3/6 (50%), "), JSON.stringify(out[0]));
  assert.equal(out.at(-1), "\r\x1b[2K", "erased when the drain ends");
});

Deno.test("ingest with stderr piped prints no progress line", async () => {
  await using t = await testDb();
  const dir = await Deno.makeTempDir();
  try {
    const corpus = new URL("../../shared/corpus/dev/", import.meta.url).pathname;
    let copied = 0;
    for await (const e of Deno.readDir(corpus)) {
      if (!e.name.endsWith(".eml") || copied >= 12) continue;
      await Deno.copyFile(`${corpus}${e.name}`, `${dir}/${e.name}`);
      copied++;
    }
    const out = await cliCommand(["ingest", dir], { ...t.env, LOG_LEVEL: "warning" }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    assert.match(new TextDecoder().decode(out.stdout), /ingest: 12 stored/);
    assert.ok(!stderr.includes("\r") && !stderr.includes("\x1b"), JSON.stringify(stderr));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
