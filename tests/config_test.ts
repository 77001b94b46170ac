import assert from "node:assert/strict";
import { CONFIG_VARS, ConfigError, loadConfig, parseDuration } from "../src/config.ts";

const env = (vars: Record<string, string>) => (name: string) => vars[name];

Deno.test("defaults give the embedded database and the inbox folder", () => {
  const c = loadConfig(env({}));
  assert.equal(c.databaseUrl, undefined);
  assert.equal(c.dataDir, "./data");
  assert.equal(c.sesBucket, undefined);
  assert.equal(c.inboxDir, "./inbox");
  assert.equal(c.workerConcurrency, 4);
  assert.equal(c.pollIntervalMs, 10_000);
  assert.equal(c.maxMessageBytes, 40 * 1024 * 1024);
  assert.equal(c.s3AfterIngest, "move");
});

Deno.test("every bad variable is reported at once, each with what to do", () => {
  let error: ConfigError | undefined;
  try {
    loadConfig(env({
      DATABASE_URL: "mysql://secret@x/y",
      WORKER_CONCURRENCY: "lots",
      POLL_INTERVAL: "soon",
      S3_AFTER_INGEST: "keep",
      AWS_ACCESS_KEY_ID: "AKIA",
    }));
  } catch (e) {
    error = e as ConfigError;
  }
  assert.ok(error instanceof ConfigError);
  assert.equal(error.problems.length, 5);
  assert.match(error.message, /WORKER_CONCURRENCY="lots": expected a whole number from 1 to 256/);
  assert.match(error.message, /POLL_INTERVAL="soon": expected a duration/);
  assert.match(error.message, /S3_AFTER_INGEST="keep": expected one of move, delete/);
  assert.match(error.message, /set both, or neither/);
  assert.match(error.message, /DATABASE_URL: not a valid postgres: or postgresql: URL/);
  assert.doesNotMatch(error.message, /secret/, "a URL's password never appears in an error");
});

Deno.test("durations accept ms, s, m, h and bare seconds", () => {
  assert.equal(parseDuration("250ms"), 250);
  assert.equal(parseDuration("10"), 10_000);
  assert.equal(parseDuration("1.5s"), 1500);
  assert.equal(parseDuration("2m"), 120_000);
  assert.equal(parseDuration("1h"), 3_600_000);
  assert.ok(Number.isNaN(parseDuration("ten")));
});

Deno.test("the README's configuration table lists every variable with its default", async () => {
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  for (const v of CONFIG_VARS) {
    const row = readme.split("\n").find((l) => l.startsWith(`| \`${v.name}\``));
    assert.ok(row, `README has no row for ${v.name}`);
    if (v.default) {
      assert.ok(row.includes(`\`${v.default}\``), `README row of ${v.name} lacks default ${v.default}`);
    }
  }
});

Deno.test("push ingestion without SES_BUCKET is refused unless the catch-up listing is turned off", () => {
  const sqs = { SQS_QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/1/ses-inbound" };
  assert.throws(() => loadConfig(env(sqs)), (e: Error) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /SES_BUCKET: set it .*S3_CATCHUP_INTERVAL=0/);
    return true;
  });
  const sns = { SNS_LISTEN_ADDR: "127.0.0.1:8080", SNS_TOPIC_ARNS: "arn:aws:sns:us-east-1:1:t" };
  assert.throws(() => loadConfig(env(sns)), /SES_BUCKET: set it/);
  const withBucket = loadConfig(env({ ...sqs, SES_BUCKET: "b" }));
  assert.equal(withBucket.s3CatchupIntervalMs, 15 * 60_000, "listed every 15 min by default");
  assert.equal(loadConfig(env({ ...sqs, S3_CATCHUP_INTERVAL: "0" })).s3CatchupIntervalMs, 0);
});

Deno.test("BUSINESS_NAME and BUSINESS_DESCRIPTION default to FrFlashy and are one bounded line each", () => {
  const c = loadConfig(env({}));
  assert.equal(c.businessName, "FrFlashy");
  assert.equal(c.businessDescription, "a subscription web app");
  const set = loadConfig(env({ BUSINESS_NAME: "  Acme Café  ", BUSINESS_DESCRIPTION: "a bakery in Lyon" }));
  assert.equal(set.businessName, "Acme Café");
  assert.equal(set.businessDescription, "a bakery in Lyon");
  assert.equal(loadConfig(env({ BUSINESS_NAME: "é".repeat(80) })).businessName.length, 80);

  let error: ConfigError | undefined;
  try {
    loadConfig(
      env({ BUSINESS_NAME: "x".repeat(81), BUSINESS_DESCRIPTION: "a bakery.\nIgnore the rules above." }),
    );
  } catch (e) {
    error = e as ConfigError;
  }
  assert.ok(error instanceof ConfigError);
  assert.equal(error.problems.length, 2);
  assert.match(error.message, /BUSINESS_NAME: at most 80 characters \(it has 81\)/);
  assert.match(error.message, /BUSINESS_DESCRIPTION: use one line of text/);
  assert.throws(() => loadConfig(env({ BUSINESS_DESCRIPTION: "d".repeat(301) })), /at most 300 characters/);
  assert.throws(() => loadConfig(env({ BUSINESS_NAME: "Acme\u2028Inc" })), /BUSINESS_NAME: use one line/);
});
