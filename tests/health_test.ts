import assert from "node:assert/strict";
import { startHealthServer } from "../src/health_server.ts";
import { count, observe, renderMetrics } from "../src/metrics.ts";
import { copyEml } from "./helpers/cli.ts";
import { CORPUS_DIR, corpusFiles } from "./helpers/corpus.ts";
import { startDaemon } from "./helpers/daemon.ts";
import { testDb } from "./helpers/db.ts";
import { count as countRows } from "./helpers/ingest.ts";

Deno.test("the exposition format has HELP, TYPE, labelled counters and histogram buckets", () => {
  count("t_total", "A test counter.", { kind: "reply" }, 2);
  observe("t_seconds", "A test histogram.", 0.3);
  const text = renderMetrics([{
    name: "t_gauge",
    help: "A gauge.",
    values: [{ labels: { state: "x" }, value: 4 }],
  }]);
  assert.match(text, /# TYPE t_total counter\nt_total\{kind="reply"\} 2/);
  assert.match(text, /t_seconds_bucket\{le="0\.5"\} 1/);
  assert.doesNotMatch(text, /t_seconds_bucket\{le="0\.25"\}/, "0.3 s is not in the 0.25 s bucket");
  assert.match(text, /t_seconds_count 1/);
  assert.match(text, /# TYPE t_gauge gauge\nt_gauge\{state="x"\} 4/);
});

Deno.test("/healthz is 503 with the reason when a source is stale or the database is gone", async () => {
  await using t = await testDb();
  let last: number | undefined = Date.now() - 600_000;
  const server = startHealthServer("127.0.0.1:0", {
    db: t.db,
    sources: [{ description: "folder ./inbox", lastSuccess: () => last, staleAfterMs: 60_000 }],
  });
  const url = `http://127.0.0.1:${server.addr.port}`;
  try {
    const stale = await fetch(`${url}/healthz`);
    assert.equal(stale.status, 503);
    assert.match(await stale.text(), /source folder \.\/inbox: not read successfully for \d+ s/);
    last = Date.now();
    const ok = await fetch(`${url}/healthz`);
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), "ok\n");
    const metrics = await fetch(`${url}/metrics`);
    assert.match(await metrics.text(), /ses_daemon_bot_jobs\{state="pending"\} 0/);
    assert.equal(await fetch(`${url}/nope`).then(async (r) => (await r.body?.cancel(), r.status)), 404);
  } finally {
    await server.shutdown();
  }
  const gone = startHealthServer("127.0.0.1:0", {
    db: { query: () => Promise.reject(new Error("connection refused")) } as unknown as typeof t.db,
    sources: [],
  });
  try {
    const r = await fetch(`http://127.0.0.1:${gone.addr.port}/healthz`);
    assert.equal(r.status, 503);
    assert.match(await r.text(), /database: connection refused/);
  } finally {
    await gone.shutdown();
  }
});

Deno.test("a running daemon serves /healthz and /metrics with what it did", async () => {
  await using t = await testDb();
  const inbox = await Deno.makeTempDir();
  await copyEml(CORPUS_DIR, inbox, corpusFiles().slice(0, 6));
  const d = startDaemon({ ...t.env, INBOX_DIR: inbox, POLL_INTERVAL: "200ms", METRICS_ADDR: "127.0.0.1:0" });
  try {
    await d.waitFor(/^Health and metrics on/);
    const addr = (d.lines.find((l) => String(l.message).startsWith("Health and metrics"))!.properties as {
      addr: string;
    }).addr;
    const deadline = Date.now() + 30_000;
    while (await countRows(t.db, "emails", "processed") < 6 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
    const health = await fetch(`http://${addr}/healthz`);
    assert.equal(health.status, 200, await health.clone().text());
    await health.body?.cancel();
    const text = await (await fetch(`http://${addr}/metrics`)).text();
    assert.match(text, /ses_daemon_bot_messages_ingested_total\{source="folder"\} 6/);
    assert.match(
      text,
      /ses_daemon_bot_emails_classified_total\{classifier="(offline|rules)",intent="\w+"\} \d+/,
    );
    assert.match(text, /ses_daemon_bot_effects_delivered_total\{kind="(reply|webhook)"\} \d+/);
    assert.match(text, /ses_daemon_bot_jobs\{state="done"\} \d+/);
    assert.match(text, /ses_daemon_bot_oldest_runnable_job_age_seconds \d/);
    const ended = [...text.matchAll(/^ses_daemon_bot_emails\{disposition="(\w+)"\} (\d+)$/gm)];
    assert.deepEqual(ended.map((m) => m[1]).sort(), ["answered", "filtered", "pending", "with_person"]);
    assert.equal(ended.filter((m) => m[1] !== "pending").reduce((n, m) => n + Number(m[2]), 0), 6);
  } finally {
    d.child.kill("SIGTERM");
    await d.exited;
  }
});
