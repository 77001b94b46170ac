/** Fresh schemas for one bench run, all named after it, and dropped together at the end. */
import { connectPostgres } from "../src/db/client.ts";

/** Creates schemas `bench_<run>_<n>_<name>` and drops every one of them on dispose. */
export interface Schemas {
  /** Creates a fresh, empty schema; returns its name. */
  create(name: string): Promise<string>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Schemas of one run in the database at `url`. */
export function benchSchemas(url: string): Schemas {
  const run = `bench_${crypto.randomUUID().replaceAll("-", "").slice(0, 8)}`;
  const admin = connectPostgres(url, { max: 1, applicationName: "bench" });
  const made: string[] = [];
  return {
    async create(name) {
      const schema = `${run}_${made.length}_${name}`;
      await admin.query(`CREATE SCHEMA ${schema}`);
      made.push(schema);
      return schema;
    },
    async [Symbol.asyncDispose]() {
      try {
        for (const schema of made) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await admin.close();
      }
    },
  };
}
