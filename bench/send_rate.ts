/**
 * The send rate under a backlog (issue 14, item 1): N pricing questions from N senders through the real
 * daemon (`run`, file transport), and the replies delivered per second, read from `effects.delivered_at`.
 *
 *   deno run -A bench/send_rate.ts [--messages 300] [--concurrency 32] [--rate 10] [--seconds 90]
 *
 * Prints one line per second since the first reply (replies that second, total) and a summary: the drain time
 * against N / SEND_RATE, and the deliver jobs' attempts (a wait for a send slot is not an attempt).
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startDaemon } from "../tests/helpers/daemon.ts";
import { testDb } from "../tests/helpers/db.ts";

const { values } = parseArgs({
  options: {
    messages: { type: "string", default: "300" },
    concurrency: { type: "string", default: "32" },
    rate: { type: "string", default: "10" },
    seconds: { type: "string", default: "90" },
  },
});
const n = Number(values.messages);
const rate = Number(values.rate);

await using t = await testDb();
const inbox = await Deno.makeTempDir({ prefix: "send-rate-inbox-" });
const outbox = await Deno.makeTempDir({ prefix: "send-rate-outbox-" });
for (let i = 0; i < n; i++) {
  await Deno.writeTextFile(
    join(inbox, `${String(i).padStart(4, "0")}.eml`),
    [
      `From: Customer ${i} <customer${i}@example${i % 7}.org>`,
      "To: info@frflashy.com",
      `Subject: pricing question ${i}`,
      "Date: Mon, 02 Jun 2026 10:01:00 +0000",
      `Message-ID: <send-rate-${i}@example.org>`,
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
    ].join("\r\n"),
  );
}

const daemon = startDaemon({
  ...t.env,
  INBOX_DIR: inbox,
  OUTBOX_DIR: outbox,
  WORKER_CONCURRENCY: values.concurrency,
  SEND_RATE: values.rate,
  POLL_INTERVAL: "1s",
});
const started = Date.now();
const limit = Number(values.seconds) * 1000;
let replies = 0;
let expected = -1;
while (Date.now() - started < limit) {
  await new Promise((r) => setTimeout(r, 1000));
  const { rows } = await t.db.query<{ pending: number; delivered: number; replies: number }>(
    `SELECT count(*) FILTER (WHERE state = 'pending')::int AS pending,
            count(*) FILTER (WHERE state = 'delivered')::int AS delivered,
            count(*) FILTER (WHERE state = 'delivered' AND kind = 'reply')::int AS replies
     FROM effects`,
  );
  replies = rows[0].replies;
  const emails =
    (await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM emails WHERE routed_at IS NOT NULL"))
      .rows[0].n;
  if (emails === n) {
    expected =
      (await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM effects WHERE kind = 'reply'")).rows[0]
        .n;
  }
  if (expected >= 0 && rows[0].pending === 0) break;
}
daemon.child.kill("SIGTERM");
await daemon.exited;

const { rows: perSecond } = await t.db.query<{ s: number; n: number }>(
  `WITH d AS (SELECT delivered_at FROM effects WHERE state = 'delivered' AND kind = 'reply'),
        f AS (SELECT min(delivered_at) AS t0 FROM d)
   SELECT floor(extract(epoch FROM d.delivered_at - f.t0))::int AS s, count(*)::int AS n
   FROM d, f GROUP BY 1 ORDER BY 1`,
);
const { rows: span } = await t.db.query<{ seconds: number | null }>(
  `SELECT extract(epoch FROM max(delivered_at) - min(delivered_at))::float8 AS seconds
   FROM effects WHERE state = 'delivered' AND kind = 'reply'`,
);
const { rows: attempts } = await t.db.query<{ attempts: number; state: string; n: number }>(
  `SELECT attempts, state, count(*)::int AS n FROM jobs WHERE kind = 'deliver' GROUP BY 1, 2 ORDER BY 1, 2`,
);
let total = 0;
let last = -1;
for (const { s, n: count } of perSecond) {
  for (let gap = last + 1; gap < s; gap++) {
    console.log(`${String(gap).padStart(4)} s  ${"0".padStart(3)}  ${total}`);
  }
  total += count;
  console.log(`${String(s).padStart(4)} s  ${String(count).padStart(3)}  ${total}`);
  last = s;
}
console.log(
  `messages ${n}, WORKER_CONCURRENCY ${values.concurrency}, SEND_RATE ${rate}: ${replies} of ${expected} replies ` +
    `delivered in ${span[0].seconds?.toFixed(1)} s (ideal ${(expected / rate).toFixed(1)} s); ` +
    `deliver jobs by attempts/state: ${attempts.map((a) => `${a.attempts}/${a.state}:${a.n}`).join(" ")}`,
);
