/**
 * Test databases: each test gets its own freshly migrated schema in the PostgreSQL of TEST_DATABASE_URL
 * (default: the local server), dropped afterwards.
 */
import { connectPostgres, type Db } from "../../src/db/client.ts";
import { migrate } from "../../src/db/migrate.ts";
import { requirePostgres, TEST_DATABASE_URL } from "./require_postgres.ts";

export { TEST_DATABASE_URL };

// Once per run, before any test: no server, no run (one line saying how to get one).
await requirePostgres(TEST_DATABASE_URL);

/** A migrated schema of its own. */
export interface TestDb {
  db: Db;
  schema: string;
  /** Environment for a child daemon process that must use this schema. */
  env: Record<string, string>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Creates a schema, migrates it (unless `migrate: false`), and drops it on dispose. */
export async function testDb(options: { migrate?: boolean } = {}): Promise<TestDb> {
  const schema = `t_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const admin = connectPostgres(TEST_DATABASE_URL, { max: 1, applicationName: "ses-daemon-bot-test" });
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.close();
  const db = connectPostgres(TEST_DATABASE_URL, { schema, max: 8, applicationName: "ses-daemon-bot-test" });
  if (options.migrate !== false) await migrate(db);
  return {
    db,
    schema,
    env: { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema },
    async [Symbol.asyncDispose]() {
      await db.query(`DROP SCHEMA ${schema} CASCADE`);
      await db.close();
    },
  };
}
