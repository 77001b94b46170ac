/**
 * Forward-only migrations from `sql/migrations/`, embedded in the binary by raw imports. Applied in one
 * transaction under an advisory lock, so several instances starting at once apply each file exactly once.
 */
import type { Db } from "./client.ts";
import m0001 from "../../sql/migrations/0001_init.sql" with { type: "text" };
import m0002 from "../../sql/migrations/0002_classification.sql" with { type: "text" };
import m0003 from "../../sql/migrations/0003_actions.sql" with { type: "text" };
import m0004 from "../../sql/migrations/0004_push_ingestion.sql" with { type: "text" };
import m0005 from "../../sql/migrations/0005_queue_speed.sql" with { type: "text" };
import m0006 from "../../sql/migrations/0006_delivery_fencing.sql" with { type: "text" };
import m0007 from "../../sql/migrations/0007_ingest_identity.sql" with { type: "text" };
import m0009 from "../../sql/migrations/0009_conversations.sql" with { type: "text" };
import m0010 from "../../sql/migrations/0010_console.sql" with { type: "text" };
import m0011 from "../../sql/migrations/0011_learning.sql" with { type: "text" };
import m0012 from "../../sql/migrations/0012_console_search.sql" with { type: "text" };
import m0013 from "../../sql/migrations/0013_suppressions.sql" with { type: "text" };
import m0014 from "../../sql/migrations/0014_retention.sql" with { type: "text" };
import m0015 from "../../sql/migrations/0015_raw_uploads.sql" with { type: "text" };
import m0017 from "../../sql/migrations/0017_console_speed.sql" with { type: "text" };

/** Every migration in order. Add new files here; never edit or reorder landed ones. */
export const MIGRATIONS: readonly { version: string; sql: string }[] = [
  { version: "0001_init", sql: m0001 },
  { version: "0002_classification", sql: m0002 },
  { version: "0003_actions", sql: m0003 },
  { version: "0004_push_ingestion", sql: m0004 },
  { version: "0005_queue_speed", sql: m0005 },
  { version: "0006_delivery_fencing", sql: m0006 },
  { version: "0007_ingest_identity", sql: m0007 },
  { version: "0009_conversations", sql: m0009 },
  { version: "0010_console", sql: m0010 },
  { version: "0011_learning", sql: m0011 },
  { version: "0012_console_search", sql: m0012 },
  { version: "0013_suppressions", sql: m0013 },
  { version: "0014_retention", sql: m0014 },
  { version: "0015_raw_uploads", sql: m0015 },
  { version: "0017_console_speed", sql: m0017 },
];

// Any constant works; it only has to be the same in every instance. ("sesd" in ASCII.)
const MIGRATION_LOCK = 0x73657364;

/** Applies the pending migrations; returns the versions it applied (empty when up to date). */
export async function migrate(db: Db): Promise<string[]> {
  return await db.transaction(async (tx) => {
    // Lock first: two processes both running CREATE TABLE IF NOT EXISTS would still race on the catalog.
    // The lock key includes the schema so that separate schemas (tests, shared servers) do not wait on each other.
    // exec, not query: waiting here for another instance's migrations has no time limit.
    await tx.exec(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK}, hashtext(current_schema()))`);
    await tx.query(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
    );
    const { rows } = await tx.query<{ version: string }>("SELECT version FROM schema_migrations");
    const done = new Set(rows.map((r) => r.version));
    const applied: string[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      await tx.exec(m.sql);
      await tx.query("INSERT INTO schema_migrations (version) VALUES ($1)", [m.version]);
      applied.push(m.version);
    }
    return applied;
  });
}
