import assert from "node:assert/strict";
import { copyEml } from "./helpers/cli.ts";
import { CORPUS_DIR, corpusFiles } from "./helpers/corpus.ts";
import { startDaemon } from "./helpers/daemon.ts";
import { testDb } from "./helpers/db.ts";
import { count } from "./helpers/ingest.ts";
import { webhookReceiver } from "./helpers/webhook_receiver.ts";

Deno.test("SIGKILL between the decision and the delivery, then a restart: each effect delivered exactly once", async () => {
  await using t = await testDb();
  const secret = "test-secret-123";
  // Take a free port for the receiver, then close it: until the restart, deliveries find nobody there.
  const probe = webhookReceiver(secret);
  const port = probe.port;
  await probe[Symbol.asyncDispose]();

  const inbox = await Deno.makeTempDir();
  await copyEml(CORPUS_DIR, inbox, corpusFiles().slice(0, 40));
  const url = `http://127.0.0.1:${port}/hook`;
  const env = {
    ...t.env,
    INBOX_DIR: inbox,
    OUTBOX_DIR: await Deno.makeTempDir(),
    CRM_WEBHOOK_URL: url,
    ESCALATION_WEBHOOK_URL: url,
    WEBHOOK_SECRET: secret,
    POLL_INTERVAL: "200ms",
    JOB_LEASE: "1s",
    SHUTDOWN_TIMEOUT: "2s",
  };

  const first = startDaemon(env);
  // Routing has decided (effects committed) and the first deliveries are failing: kill it there.
  await first.waitFor(/^Email \d+ .*routed/, 40, 90_000);
  first.child.kill("SIGKILL");
  await first.exited;
  const webhooks = await count(t.db, "jobs", "kind = 'deliver'");
  assert.ok(webhooks > 0, "there were deliveries to make");
  assert.equal(
    (await t.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM effects WHERE kind = 'webhook' AND state = 'delivered'",
    ))
      .rows[0].n,
    0,
    "no webhook was delivered before the crash",
  );

  await using receiver = webhookReceiver(secret, port);
  const second = startDaemon(env);
  const deadline = Date.now() + 60_000;
  while (await count(t.db, "emails", "NOT processed") > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
  }
  second.child.kill("SIGTERM");
  assert.equal(await second.exited, 0);

  assert.equal(await count(t.db, "emails", "NOT processed"), 0, "every email processed in the end");
  const { rows } = await t.db.query<{ idempotency_key: string }>(
    "SELECT idempotency_key FROM effects WHERE kind = 'webhook'",
  );
  assert.ok(rows.length > 0);
  assert.equal(receiver.badSignatures, 0, "every request was signed with the secret");
  assert.deepEqual(
    [...receiver.keys.entries()].sort(),
    rows.map((r) => [r.idempotency_key, 1] as [string, number]).sort(),
    "each webhook effect delivered exactly once",
  );
  assert.equal(await count(t.db, "jobs", "state = 'failed'"), 0);
});
