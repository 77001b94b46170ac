/**
 * Stops the test run at once, with one line saying how to get a server, when the PostgreSQL of
 * TEST_DATABASE_URL does not answer: without it 58 tests each failed with their own connection error, after
 * 77 s. `deno task test` runs this file first (`deno run … require_postgres.ts && deno test …`): it answers in
 * about a second, before the tests are even type-checked. tests/helpers/db.ts checks again when it loads, so
 * that `deno test FILE` stops that file at once too (Deno 2.9 runs each test file in an isolate of its own;
 * Deno.exit there ends only that file).
 */
import postgres from "postgres";

/** The server the tests use. */
export const TEST_DATABASE_URL = Deno.env.get("TEST_DATABASE_URL") ??
  "postgres://postgres@127.0.0.1:5432/test";

/** The command that starts a throw-away server the tests can use (as in the README). */
export const DOCKER_POSTGRES =
  "docker run -d --name ses-pg -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust -e POSTGRES_DB=test postgres:17";

/** Why `url` cannot be used (one line), or undefined when it answers `SELECT 1` within `timeoutMs`. */
export async function postgresProblem(url: string, timeoutMs = 5000): Promise<string | undefined> {
  const sql = postgres(url, { max: 1, connect_timeout: Math.ceil(timeoutMs / 1000), onnotice: () => {} });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      sql`SELECT 1`,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return undefined;
  } catch (error) {
    const e = error as { code?: string; message?: string };
    return [e.code, e.message].filter(Boolean).join(": ").split("\n")[0];
  } finally {
    clearTimeout(timer);
    await sql.end({ timeout: 0 }).catch(() => {});
  }
}

/**
 * Why the server of `url` cannot be reached over TCP, or undefined when it accepts a connection (or the URL
 * names a Unix socket). No driver and no timer: postgres.js leaves timers behind after `end()`, and a test
 * file that checks at load must not leave any for its first test's sanitizer to find.
 */
export async function tcpProblem(url: string): Promise<string | undefined> {
  let host: string, port: number;
  try {
    const u = new URL(url);
    if (u.searchParams.get("host")?.startsWith("/")) return undefined;
    host = u.hostname.replace(/^\[|\]$/g, "") || "127.0.0.1";
    port = Number(u.port || 5432);
  } catch {
    return "TEST_DATABASE_URL is not a URL";
  }
  try {
    const conn = await Deno.connect({ hostname: host, port });
    conn.close();
    return undefined;
  } catch (error) {
    return (error as Error).message.split("\n")[0];
  }
}

/**
 * Exits the process with one line on stderr when `url` does not answer: by a query (`deep`, as the test
 * task's first step does) or by a TCP connection (at a test file's load).
 */
export async function requirePostgres(url: string, options: { deep?: boolean } = {}): Promise<void> {
  const problem = options.deep ? await postgresProblem(url) : await tcpProblem(url);
  if (problem === undefined) return;
  const shown = url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
  console.error(
    `Cannot reach PostgreSQL at ${shown} (${problem}); the tests need one: start it with \`${DOCKER_POSTGRES}\`` +
      `, or set TEST_DATABASE_URL to a server of yours.`,
  );
  Deno.exit(1);
}

if (import.meta.main) await requirePostgres(TEST_DATABASE_URL, { deep: true });
