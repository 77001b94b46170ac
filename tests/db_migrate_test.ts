import assert from "node:assert/strict";
import { parseFilters } from "../src/console/filters.ts";
import { openPglite } from "../src/db/client.ts";
import { listFolder } from "../src/db/console.ts";
import {
  getDashboardSummary,
  listCorrectionsByIntent,
  listDailyCounts,
} from "../src/db/console_dashboard.ts";
import { migrate, MIGRATIONS } from "../src/db/migrate.ts";
import { runCli } from "./helpers/cli.ts";
import { testDb } from "./helpers/db.ts";

Deno.test("migrations apply once and a second run does nothing", async () => {
  await using t = await testDb({ migrate: false });
  assert.deepEqual(await migrate(t.db), MIGRATIONS.map((m) => m.version));
  assert.deepEqual(await migrate(t.db), []);
  const { rows } = await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM schema_migrations");
  assert.equal(rows[0].n, MIGRATIONS.length);
});

Deno.test("two processes migrating one schema at once both succeed", async () => {
  await using t = await testDb({ migrate: false });
  const [a, b] = await Promise.all([runCli(["migrate"], t.env), runCli(["migrate"], t.env)]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  // The advisory lock serialises them: one applied everything, the other found it done.
  const all = `applied ${MIGRATIONS.map((m) => m.version).join(", ")}`;
  assert.deepEqual([a.stdout.trim(), b.stdout.trim()].sort(), [all, "up to date"].sort());
});

Deno.test("the database rejects intent flags that are not one-hot", async () => {
  await using t = await testDb();
  const check = async (flags: string) =>
    (await t.db.query<{ ok: boolean }>("SELECT is_one_hot($1::text::jsonb) AS ok", [flags])).rows[0].ok;
  assert.equal(await check("[false, true, false, false, false]"), true);
  assert.equal(await check("[true, true, false, false, false]"), false);
  assert.equal(await check("[false, false, false, false, false]"), false);
  assert.equal(await check("[false, true, false, false]"), false);
  assert.equal(await check("[0, 1, 0, 0, 0]"), false);
  assert.equal(await check('{"a": true}'), false);
});

Deno.test("the embedded PGlite runs every migration, and the console's search works on it", async () => {
  const dir = await Deno.makeTempDir();
  const db = await openPglite(dir);
  try {
    assert.deepEqual(await migrate(db), MIGRATIONS.map((m) => m.version));
    const { rows } = await db.query<{ hit: boolean }>(
      "SELECT to_tsvector('simple', 'Pricing question') @@ websearch_to_tsquery('simple', 'pricing') AS hit",
    );
    assert.equal(rows[0].hit, true);
    const found = await listFolder(db, "all", {
      cursor: null,
      filters: parseFilters(new URLSearchParams("q=pricing&from=@example.com")).filters,
      limit: 10,
    });
    assert.deepEqual(found, []);
    // The dashboard's queries too (GROUPING SETS, time zones).
    assert.deepEqual(await listDailyCounts(db, 14), []);
    assert.equal((await getDashboardSummary(db, 14)).backlog, 0);
    assert.deepEqual(await listCorrectionsByIntent(db, 14), []);
  } finally {
    await db.close();
    await Deno.remove(dir, { recursive: true });
  }
});
