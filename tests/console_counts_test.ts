import assert from "node:assert/strict";
import { seedConsole } from "../bench/console_seed.ts";
import { countFolders, FOLDERS, listEmailJobs, listFolder } from "../src/db/console.ts";
import { testDb } from "./helpers/db.ts";

const NONE = {
  text: null,
  fromPrefix: null,
  fromDomain: null,
  intent: null,
  classifier: null,
  since: null,
  before: null,
};

Deno.test("each folder's count is the number of emails its list shows, over the bench's mix of mail", async () => {
  await using t = await testDb();
  await seedConsole(t.db, 2000);
  // A failed classify job names its email; it must count in Problems once, with the email's failed effect.
  await t.db.query(
    `INSERT INTO jobs (kind, unique_key, payload, state, attempts, last_error)
     SELECT 'classify', 'bench-classify:' || id, jsonb_build_object('email_id', id), 'failed', 5, 'timeout'
     FROM emails WHERE disposition = 'answered' ORDER BY id LIMIT 3`,
  );
  const counts = await countFolders(t.db);
  for (const folder of FOLDERS) {
    const rows = await listFolder(t.db, folder, { cursor: null, filters: NONE, limit: 100_000 });
    assert.equal(counts[folder], rows.length, folder);
  }
  assert.equal(counts.all, 2000);
  // Keyset pages of Problems (its ids come from three indexes) give the same emails as one long page.
  const whole = await listFolder(t.db, "problems", { cursor: null, filters: NONE, limit: 100_000 });
  const paged: number[] = [];
  for (let cursor: number | null = null;;) {
    const page = await listFolder(t.db, "problems", { cursor, filters: NONE, limit: 7 });
    paged.push(...page.map((r) => r.id));
    if (page.length < 7) break;
    cursor = page[page.length - 1].id;
  }
  assert.deepEqual(paged, whole.map((r) => r.id));
  assert.ok(whole.every((r) => r.note?.startsWith("parse error: ") || r.note?.startsWith("failed ")));
  for (const folder of FOLDERS) assert.ok(counts[folder] > 0, `the seed fills ${folder}`);
});

Deno.test("an email's page lists its jobs that met an error by email, by delivery and by effect, and no others", async () => {
  await using t = await testDb();
  await seedConsole(t.db, 300);
  const { rows: [failed] } = await t.db.query<{ id: number; effect: number }>(
    `SELECT f.email_id AS id, f.id AS effect FROM effects f WHERE f.state = 'failed' ORDER BY f.id LIMIT 1`,
  );
  const { rows: [other] } = await t.db.query<{ id: number }>(
    "SELECT id FROM emails WHERE disposition = 'answered' AND id <> $1 ORDER BY id LIMIT 1",
    [failed.id],
  );
  // Jobs that met an error: by email (retrying), by delivery (failed); one of another email; one done with an
  // old error (not shown).
  await t.db.query(
    `INSERT INTO jobs (kind, unique_key, payload, state, attempts, last_error, run_at) VALUES
       ('route', 'x:1', jsonb_build_object('email_id', $1::int), 'pending', 1, 'database timeout', now() + interval '1 h'),
       ('parse', 'x:2', jsonb_build_object('raw_id', $1::int), 'failed', 5, 'worker crashed', now()),
       ('route', 'x:3', jsonb_build_object('email_id', $2::int), 'failed', 5, 'elsewhere', now()),
       ('classify', 'x:4', jsonb_build_object('email_id', $1::int), 'done', 2, 'LLM timeout', now())`,
    [failed.id, other.id],
  );
  const jobs = await listEmailJobs(t.db, failed.id, failed.id);
  assert.deepEqual(
    jobs.map((j) => `${j.kind} ${j.state} ${j.last_error}`),
    [
      "deliver failed 554 Message rejected: Email address is not verified",
      "route pending database timeout",
      "parse failed worker crashed",
    ],
  );
  assert.deepEqual(jobs.map((j) => j.id), [...jobs.map((j) => j.id)].sort((a, b) => a - b), "in id order");
});
