/**
 * The console's search through postgres.js as the console runs it (named prepared statements): 20 unfiltered
 * pages first, so that PostgreSQL could switch to a generic plan (it may after 5), then each kind of search,
 * with the round trip. Needs `bench/console_search.sh seed` first.
 *   deno run -A bench/console_search_pg.ts
 */
import { parseFilters } from "../src/console/filters.ts";
import { connectPostgres } from "../src/db/client.ts";
import { listFolder } from "../src/db/console.ts";

const db = connectPostgres(Deno.env.get("PGURL") ?? "postgres://postgres@127.0.0.1:5432/test", {
  schema: "console_search_bench",
  max: 1,
});
try {
  const time = async (query: string) => {
    const t = performance.now();
    const rows = await listFolder(db, "all", {
      cursor: null,
      filters: parseFilters(new URLSearchParams(query)).filters,
      limit: 51,
    });
    return `${query || "(none)"}: ${(performance.now() - t).toFixed(1)} ms, ${rows.length} rows`;
  };
  for (let i = 0; i < 20; i++) await time("");
  const searches = [
    "q=77777",
    "q=user77@d77.example",
    "q=pricing",
    "from=user1234",
    "from=@d7.example",
    "from=big.example",
    "intent=speak_to_human&classifier=llm",
    "since=2026-06-01&until=2026-06-01",
    "",
  ];
  for (const q of searches) console.log(await time(q));
} finally {
  await db.close();
}
