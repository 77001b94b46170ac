import assert from "node:assert/strict";
import { copyEml, runCli, V8_FLAGS } from "./helpers/cli.ts";
import { CORPUS_DIR, corpusFiles } from "./helpers/corpus.ts";
import { startDaemon } from "./helpers/daemon.ts";
import { TEST_DATABASE_URL, testDb } from "./helpers/db.ts";
import { fakeLlm } from "./helpers/fake_llm.ts";
import { count } from "./helpers/ingest.ts";
import { webhookReceiver } from "./helpers/webhook_receiver.ts";

Deno.test("the configured secrets never appear in the logs of a full run, errors included", async () => {
  await using t = await testDb();
  const secrets = {
    OPENAI_API_KEY: "sk-test-OPENAIKEY-4f2a9c1e7b",
    WEBHOOK_SECRET: "whsec-WEBHOOKSECRET-77aa",
    AWS_SECRET_ACCESS_KEY: "AWSSECRET-9d8c7b6a5f4e3d2c1b0a",
    DB_PASSWORD: "pgpass-DBSECRET-31337",
  };
  // The server trusts local connections, so a password in the URL is accepted and ignored.
  const url = new URL(TEST_DATABASE_URL);
  url.password = secrets.DB_PASSWORD;
  // The LLM fails at first (errors are logged), then answers.
  await using llm = fakeLlm({ status: 500 }, { status: 401 }, { intent: "speak_to_human" });
  await using receiver = webhookReceiver(secrets.WEBHOOK_SECRET);
  const inbox = await Deno.makeTempDir();
  await copyEml(CORPUS_DIR, inbox, corpusFiles().slice(0, 12));
  const env = {
    ...t.env,
    DATABASE_URL: url.href,
    INBOX_DIR: inbox,
    OPENAI_API_KEY: secrets.OPENAI_API_KEY,
    OPENAI_BASE_URL: llm.baseURL,
    WEBHOOK_SECRET: secrets.WEBHOOK_SECRET,
    ESCALATION_WEBHOOK_URL: receiver.url,
    CRM_WEBHOOK_URL: receiver.url,
    AWS_ACCESS_KEY_ID: "AKIATESTKEY",
    AWS_SECRET_ACCESS_KEY: secrets.AWS_SECRET_ACCESS_KEY,
    JOB_BACKOFF: "100ms",
    LOG_LEVEL: "debug",
  };
  // `--once` runs what is runnable and exits: the job the 500 sent back for a retry (JOB_BACKOFF later) can
  // still be waiting then, when the others finish first. Run again until it is done; every run's log is read.
  const runs = [];
  for (let i = 0; i < 5; i++) {
    const d = startDaemon(env, ["--once"]);
    assert.equal(await d.exited, 0);
    runs.push(d);
    if (await count(t.db, "emails", "processed") === 12) break;
    await new Promise((r) => setTimeout(r, 300));
  }
  assert.equal(await count(t.db, "emails", "processed"), 12);
  assert.ok(receiver.keys.size > 0, "the webhooks were signed with the secret and accepted");
  const bad = await runCli(["status"], { ...env, DATABASE_URL: `mysql://u:${secrets.DB_PASSWORD}@h/db` });
  assert.equal(bad.code, 2);
  const lines = runs.flatMap((d) => d.lines);
  const everything = JSON.stringify(lines) + bad.stdout + bad.stderr;
  assert.ok(lines.length > 30, "there were logs to search");
  for (const [name, value] of Object.entries(secrets)) {
    assert.ok(!everything.includes(value), `${name} appears in the logs`);
  }
});

Deno.test("the daemon's tasks keep least permissions and one set of V8 flags", () => {
  const tasks: Record<string, string> = JSON.parse(Deno.readTextFileSync("deno.json")).tasks;
  for (const name of ["start", "cli", "compile"]) {
    assert.doesNotMatch(tasks[name], /--allow-all|\s-A\s/, `${name} must not grant every permission`);
  }
  // start, cli and the compiled binary run with the flags the memory figures were measured with (the bench
  // spawns the daemon with them, tests/helpers/cli.ts), and the bench's own process too.
  for (const name of ["start", "cli", "compile", "bench"]) {
    assert.match(tasks[name], new RegExp(`--v8-flags=${V8_FLAGS}(\\s|$)`), `${name}: --v8-flags=${V8_FLAGS}`);
  }
});
