/**
 * The review console at scale: `n` emails seeded by SQL (console_seed.ts) into a fresh schema, the console
 * served in this process, one logged-in client timing each folder page, the second page of All (keyset), an
 * email's page and a search, each request in turn (median and p95 of the round trip, rendering included).
 * Then the RSS the console adds to the daemon: the daemon (`run`, an empty inbox) over the same schema with
 * the console on, after serving every page a few times, against the same daemon with the console off.
 */
import { routeOptions } from "../src/app.ts";
import { loadConfig } from "../src/config.ts";
import { startConsole } from "../src/console/server.ts";
import { connectPostgres } from "../src/db/client.ts";
import { migrate } from "../src/db/migrate.ts";
import { startDaemon } from "../tests/helpers/daemon.ts";
import { seedConsole } from "./console_seed.ts";
import type { Schemas } from "./schemas.ts";

const PASSWORD = "bench console password";
/** A word in a tenth of the subjects (console_seed.ts): the newest page of matches is found early. */
const SEARCH = "invoice";
/** A word in no email: the worst case, every row is looked at (unless an index answers the search). */
const SEARCH_RARE = "zanzibar";

/** One page's timings, in ms; `status` is the HTTP status of its last request. */
export interface PageTiming {
  median_ms: number;
  p95_ms: number;
  status: number;
}

/** What {@linkcode benchConsole} measured. */
export interface ConsoleResult {
  emails: number;
  seed_seconds: number;
  requests_per_page: number;
  pages: Record<string, PageTiming>;
  /** The search page's status: 200 when the console answers `q`; otherwise its timing is not meaningful. */
  search_status: number;
  /** VmRSS of the daemon with the console on (after serving the pages) minus with it off, MiB. */
  rss_added_mb: number;
  rss_mb: { console_on: number; console_off: number };
}

/** Options of {@linkcode benchConsole}. */
export interface ConsoleBenchOptions {
  url: string;
  schemas: Schemas;
  emails: number;
  /** Timed requests per page (after 3 untimed ones). */
  requests: number;
  progress: (line: string) => void;
}

/** Seeds, times the pages in-process, then measures the console's RSS in a daemon. */
export async function benchConsole(o: ConsoleBenchOptions): Promise<ConsoleResult> {
  const schema = await o.schemas.create("console");
  const db = connectPostgres(o.url, { schema, max: 10, applicationName: "bench" });
  let seedSeconds: number;
  const pages: Record<string, PageTiming> = {};
  try {
    await migrate(db);
    seedSeconds = await seedConsole(db, o.emails);
    o.progress(`console: seeded ${o.emails} emails in ${seedSeconds} s`);
    const server = startConsole(db, {
      addr: "127.0.0.1:0",
      password: PASSWORD,
      route: await routeOptions(loadConfig(() => undefined)),
    });
    try {
      const client = await login(server.url);
      for (const [name, paths] of Object.entries(await pagePaths(client, o.emails))) {
        pages[name] = await timePage(client, paths, o.requests);
        o.progress(`console: ${name} median ${pages[name].median_ms} ms, p95 ${pages[name].p95_ms} ms`);
      }
    } finally {
      await server.shutdown();
    }
  } finally {
    await db.close();
  }
  const rss = await consoleRss(o, schema);
  o.progress(`console: daemon RSS ${rss.console_on} MiB with the console, ${rss.console_off} MiB without`);
  return {
    emails: o.emails,
    seed_seconds: seedSeconds,
    requests_per_page: o.requests,
    pages,
    search_status: pages.search.status,
    rss_added_mb: Math.round((rss.console_on - rss.console_off) * 10) / 10,
    rss_mb: rss,
  };
}

/** A logged-in client: fetch with the session cookie. */
type Client = (path: string) => Promise<Response>;

async function login(base: string): Promise<Client> {
  const res = await fetch(`${base}/login`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ password: PASSWORD }),
    redirect: "manual",
  });
  await res.body?.cancel();
  const cookie = res.headers.get("set-cookie")?.split(";")[0];
  if (res.status !== 303 || !cookie) throw new Error(`Cannot log in to the console: ${res.status}`);
  return (path) => fetch(base + path, { headers: { cookie }, redirect: "manual" });
}

/**
 * The pages to time, each a list of paths requested in turn: the folders, All's second page (the cursor its
 * first page links to), emails spread over the whole range (a different one per request), and a search.
 */
async function pagePaths(client: Client, emails: number): Promise<Record<string, string[]>> {
  const first = await (await client("/folders/all")).text();
  const cursor = /[?&]cursor=(\d+)/.exec(first)?.[1];
  if (!cursor) throw new Error("The first page of All links to no second page");
  const ids = Array.from({ length: 50 }, (_, k) => 1 + ((k * 7919 + 12_345) % emails));
  return {
    needs_person: ["/folders/needs_person"],
    answered: ["/folders/answered"],
    withheld: ["/folders/withheld"],
    filtered: ["/folders/filtered"],
    problems: ["/folders/problems"],
    all: ["/folders/all"],
    all_page2: [`/folders/all?cursor=${cursor}`],
    email: ids.map((id) => `/emails/${id}`),
    // Kept as a hook: the search filters of the console (q, from, intent, …) may change how this is served.
    search: [`/folders/all?${new URLSearchParams({ q: SEARCH })}`],
    search_rare: [`/folders/all?${new URLSearchParams({ q: SEARCH_RARE })}`],
  };
}

/** Median and p95 of `requests` round trips (after 3 untimed ones), cycling through `paths`. */
async function timePage(client: Client, paths: string[], requests: number): Promise<PageTiming> {
  let status = 0;
  const get = async (path: string) => {
    const res = await client(path);
    await res.arrayBuffer();
    status = res.status;
  };
  for (let i = 0; i < 3; i++) await get(paths[i % paths.length]);
  const ms: number[] = [];
  for (let i = 0; i < requests; i++) {
    const start = performance.now();
    await get(paths[i % paths.length]);
    ms.push(performance.now() - start);
  }
  ms.sort((a, b) => a - b);
  const at = (q: number) => Math.round(ms[Math.min(ms.length - 1, Math.ceil(q * ms.length) - 1)] * 10) / 10;
  return { median_ms: at(0.5), p95_ms: at(0.95), status };
}

/**
 * VmRSS of the daemon over the seeded schema (an empty inbox, so it only idles): with the console on, after
 * every page was served 5 times; with it off, after the same wait. Each is the mean of 5 samples over 1 s.
 */
async function consoleRss(o: ConsoleBenchOptions, schema: string) {
  const inbox = await Deno.makeTempDir({ prefix: "bench-console-" });
  try {
    const on = await daemonRss(o, schema, inbox, true);
    const off = await daemonRss(o, schema, inbox, false, on.servedMs);
    return { console_on: on.mb, console_off: off.mb };
  } finally {
    await Deno.remove(inbox, { recursive: true });
  }
}

async function daemonRss(
  o: ConsoleBenchOptions,
  schema: string,
  inbox: string,
  console: boolean,
  waitMs = 0,
): Promise<{ mb: number; servedMs: number }> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  const daemon = startDaemon({
    DATABASE_URL: o.url,
    DATABASE_SCHEMA: schema,
    INBOX_DIR: inbox,
    LOG_FORMAT: "json",
    ...(console ? { CONSOLE_ADDR: `127.0.0.1:${port}`, CONSOLE_PASSWORD: PASSWORD } : {}),
  });
  try {
    await daemon.waitFor(console ? /^Review console on/ : /^Starting/);
    const started = performance.now();
    if (console) {
      const client = await login(`http://127.0.0.1:${port}`);
      const paths = Object.values(await pagePaths(client, o.emails)).flatMap((p) => p.slice(0, 5));
      for (let round = 0; round < 5; round++) {
        for (const path of paths) await (await client(path)).arrayBuffer();
      }
    } else {
      await new Promise((r) => setTimeout(r, waitMs));
    }
    const servedMs = performance.now() - started;
    let kb = 0;
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 200));
      kb += readRssKb(daemon.child.pid);
    }
    return { mb: Math.round(kb / 5 / 1024 * 10) / 10, servedMs };
  } finally {
    daemon.child.kill("SIGTERM");
    await daemon.exited;
  }
}

function readRssKb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
  if (!m) throw new Error(`No VmRSS for process ${pid}`);
  return Number(m[1]);
}
