/**
 * A backlog of replies to deliver: `n` pricing questions from `n` senders ingested, classified and routed by
 * the real stages (offline classifier), their `deliver` jobs left pending for the test's own worker.
 */
import { join } from "node:path";
import { jobHandlers } from "../../src/app.ts";
import { ROUTE_JOB } from "../../src/act/route_job.ts";
import { CLASSIFY_JOB } from "../../src/classify/classify_job.ts";
import { loadConfig } from "../../src/config.ts";
import type { Db } from "../../src/db/client.ts";
import { Worker } from "../../src/jobs/worker.ts";
import { folderSource } from "../../src/mail/folder_source.ts";
import { PARSE_JOB, pollSource } from "../../src/mail/ingest.ts";

/** A pricing question from customer `i` (the offline classifier reads it as send_info, safe to answer). */
export function pricingQuestion(i: number): string {
  return [
    `From: Customer ${i} <customer${i}@example${i % 7}.org>`,
    "To: info@frflashy.com",
    `Subject: pricing question ${i}`,
    "Date: Mon, 02 Jun 2026 10:01:00 +0000",
    `Message-ID: <backlog-${i}@example.org>`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    "Hi there,",
    "",
    "If we pay for a full year up front, is it cheaper than paying month by month? And roughly by how much?",
    "",
    "Thanks,",
    `Customer ${i}`,
    "",
  ].join("\r\n");
}

/** Ingests and routes `n` pricing questions; returns the ids of the pending reply effects. */
export async function pendingReplies(db: Db, n: number): Promise<number[]> {
  const inbox = await Deno.makeTempDir({ prefix: "backlog-" });
  for (let i = 0; i < n; i++) await Deno.writeTextFile(join(inbox, `${i}.eml`), pricingQuestion(i));
  await pollSource(db, folderSource(inbox), { maxMessageBytes: 1 << 20, jobMaxAttempts: 5, concurrency: 8 });
  const env: Record<string, string> = { OUTBOX_DIR: await Deno.makeTempDir() };
  const worker = new Worker(db, await jobHandlers(loadConfig((name) => env[name])), {
    workerId: "backlog",
    concurrency: 4,
    // Every stage but delivery: the deliver jobs stay pending.
    pools: [{ kinds: [PARSE_JOB, CLASSIFY_JOB, ROUTE_JOB], concurrency: 4 }],
    leaseMs: 30_000,
    pollMs: 50,
  });
  await worker.drain();
  const { rows } = await db.query<{ id: number }>(
    "SELECT id FROM effects WHERE kind = 'reply' AND state = 'pending' ORDER BY id",
  );
  return rows.map((r) => r.id);
}
