import assert from "node:assert/strict";
import { join } from "node:path";
import { connectPostgres } from "../src/db/client.ts";
import { CORPUS_DIR } from "./helpers/corpus.ts";
import { startDaemon, writeCopies } from "./helpers/daemon.ts";
import { pgBinDir, startPgCluster } from "./helpers/pg_cluster.ts";

const ROUTED = /\) routed: /;

/**
 * Ms from `from` until the routed rate over the next second is back to half of `perSecond` (the rate before
 * the first restart); Infinity if it never is. Half, not all: 8 processes share 2 cores here.
 */
function msToFullSpeed(times: number[], from: number, perSecond: number): number {
  for (let t = from; t < from + 30_000; t += 50) {
    if (times.filter((x) => x >= t && x < t + 1000).length >= perSecond / 2) return t - from;
  }
  return Infinity;
}

Deno.test({
  name: "two fast restarts of PostgreSQL: nothing lost or doubled, same process, full speed within 5 s",
  ignore: pgBinDir() === undefined,
  fn: async () => {
    await using cluster = await startPgCluster();
    const inbox = await Deno.makeTempDir();
    const total = await writeCopies(CORPUS_DIR, inbox, 4);
    const d = startDaemon({
      DATABASE_URL: cluster.url,
      INBOX_DIR: inbox,
      POLL_INTERVAL: "100ms",
      JOB_LEASE: "10s",
      SHUTDOWN_TIMEOUT: "5s",
      WORKER_CONCURRENCY: "4",
    });
    try {
      const routedTimes = () =>
        d.lines.filter((l) => ROUTED.test(String(l.message))).map((l) => Date.parse(String(l["@timestamp"])));
      await d.waitFor(ROUTED, 60, 120_000);
      const warm = routedTimes().at(-1)!;
      await d.waitFor(ROUTED, 180, 120_000);
      const before = routedTimes();
      const perSecond = (before.length - 60) / ((before.at(-1)! - warm) / 1000);
      const back: number[] = [];
      await cluster.restart();
      back.push(Date.now());
      await d.waitFor(ROUTED, 360, 120_000);
      await cluster.restart();
      back.push(Date.now());
      const db = connectPostgres(cluster.url, { max: 1, applicationName: "ses-daemon-bot-test" });
      try {
        const one = async (text: string) => (await db.query<{ n: number }>(text)).rows[0].n;
        // Done when every message is stored and no job is left to run.
        const deadline = Date.now() + 120_000;
        while (
          await one("SELECT count(*)::int AS n FROM raw_messages") < total ||
          await one("SELECT count(*)::int AS n FROM jobs WHERE state NOT IN ('done', 'failed')") > 0
        ) {
          assert.ok(Date.now() < deadline, "every job finished within two minutes");
          await new Promise((r) => setTimeout(r, 200));
        }

        const times = routedTimes();
        const recovery = back.map((b) => msToFullSpeed(times, b, perSecond));
        console.log(
          `restart test: ${times.length} routed, ${perSecond.toFixed(0)}/s before; full speed ${
            recovery.join(" ms and ")
          } ms after the server came back`,
        );
        for (const ms of recovery) assert.ok(ms < 5000, `full speed ${ms} ms after a restart (limit 5000)`);

        // The same process carried on: it never exited, and started once.
        const exitedEarly = await Promise.race([d.exited.then(() => true), Promise.resolve(false)]);
        assert.equal(exitedEarly, false, "the daemon process is still the one that started");
        assert.equal(d.lines.filter((l) => /^Starting /.test(String(l.message))).length, 1);

        assert.equal(await one("SELECT count(*)::int AS n FROM raw_messages"), total, "no delivery lost");
        assert.equal(await one("SELECT count(*)::int AS n FROM emails"), total, "no email lost or doubled");
        assert.equal(await one("SELECT count(*)::int AS n FROM emails WHERE NOT processed"), 0);
        const doubled = await one(
          "SELECT count(*)::int AS n FROM (SELECT 1 FROM effects GROUP BY email_id, purpose HAVING count(*) > 1) d",
        );
        assert.equal(doubled, 0, "no effect twice");
        for (const kind of ["parse", "classify", "route"]) {
          assert.equal(
            await one(`SELECT count(*)::int AS n FROM jobs WHERE kind = '${kind}'`),
            total,
            `one ${kind} job per message`,
          );
        }
        assert.equal(await one("SELECT count(*)::int AS n FROM jobs WHERE state = 'failed'"), 0);
      } finally {
        await db.close();
      }
      assert.equal([...Deno.readDirSync(join(inbox, "processed"))].length, total, "no file lost");
    } finally {
      d.child.kill("SIGTERM");
      await d.exited;
      await Deno.remove(inbox, { recursive: true });
    }
  },
});
