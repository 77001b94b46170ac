/**
 * One database interface over two drivers: postgres.js against a PostgreSQL server (`DATABASE_URL`), and PGlite
 * (PostgreSQL in WASM) as the embedded default. Both run the same `.sql` files; this module aligns their
 * differences (int8 as number, row counts, transactions, LISTEN).
 */
import postgres from "postgres";
import { withTimeout } from "../timeout.ts";

/** Something that runs one SQL statement: the database itself, or an open transaction. */
export interface Queryable {
  /** Runs one statement with `$n` parameters; returns its rows and the number of rows it touched. */
  query<Row>(text: string, params?: readonly unknown[]): Promise<Result<Row>>;
  /** Runs a multi-statement script (migrations); no parameters. */
  exec(text: string): Promise<void>;
}

/** Rows of a statement and its row count (for UPDATE/DELETE without RETURNING, `rows` is empty). */
export interface Result<Row> {
  rows: Row[];
  count: number;
}

/** A database connection (pool) with transactions and notifications. */
export interface Db extends Queryable {
  readonly kind: "postgres" | "pglite";
  /** Runs `fn` in a transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Calls `onNotify` for each NOTIFY on `channel`; resolves to a function that stops listening. */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** Options of {@linkcode connectPostgres}. */
export interface PostgresOptions {
  /** Schema to use (`search_path`); tests and shared databases use their own. */
  schema?: string;
  /** Pool size. */
  max?: number;
  /** Shown in pg_stat_activity; default `ses-daemon-bot`. */
  applicationName?: string;
  /**
   * Called when postgres.js broke a connection (see {@linkcode guardPostgresJsWrite}); the pool has been
   * replaced by then.
   */
  onError?: (error: unknown) => void;
  /**
   * A statement (and a transaction's BEGIN, COMMIT or ROLLBACK) with no answer after this many ms is given up
   * with an error; `exec` (migration scripts) has no limit. A statement postgres.js loses with a cut
   * connection never settles: without a limit, the job that sent it kept its worker slot, its lease renewed,
   * for good (the connection-cut fault test, about one run in five with 6 pipelining connections). Every
   * statement of the pipeline is idempotent, so a late answer to one given up changes nothing. Default: none.
   */
  answerTimeoutMs?: number;
  /** A connection attempt with no answer after this many seconds fails (and is retried). Default 10. */
  connectTimeoutS?: number;
}

/**
 * Seconds postgres.js waits before a connection that closed with an error connects again: 50 ms doubling to at
 * most 0.5 s, with jitter. postgres.js 3.4.9's own delay, `3 ** retries / 100` s up to 20 s, counts `retries`
 * across the whole pool (each broken connection adds one) until one connects: a restart that cut six
 * connections, and a few refused attempts while the server came up, left every connection waiting 7–20 s
 * after the server was back (the longest query around a fast restart: 17–20 s; with this: 0.65–0.8 s). A
 * refused attempt costs the server nothing, so retrying twice a second is cheap.
 */
export function reconnectDelayS(retries: number, random: () => number = Math.random): number {
  return Math.min(0.05 * 2 ** Math.max(0, retries - 1), 0.5) * (0.5 + random() / 2);
}

// int8 (ids, sizes, counts) as a JS number: PGlite does this already; ids stay far below 2^53.
const int8AsNumber = {
  to: 20,
  from: [20],
  serialize: (x: number) => String(x),
  parse: (x: string) => Number(x),
};

/** Every open postgres.js pool's reaction to a broken connection (see guardPostgresJsWrite). */
const brokenListeners = new Set<(error: unknown) => void>();
let guardInstalled = false;

/**
 * postgres.js 3.4.9 (porsager/postgres#1066, #1154, #1208; unfixed upstream): when the server drops a
 * connection (restart, pg_terminate_backend), a pooled connection can be handed a query after `closed()` set
 * its socket to null; the write it schedules with setImmediate then throws an uncaught TypeError, and the
 * process died on every PostgreSQL restart. Worse, the throw skips `chunk = nextWriteTimer = null`, so that
 * connection never writes again: each reconnect waits out connect_timeout and fails, for good (measured:
 * CONNECT_TIMEOUT every ~3 s until the process ends). Exactly that error is absorbed here, and every pool
 * is replaced by a fresh one (the old one ends once its queries are done); any other uncaught error still
 * ends the process.
 *
 * Likewise, a cut while a new connection runs postgres.js's own query for array types (fetch_types) rejected
 * a promise nobody awaits, and the unhandled rejection ended the process (seen once in five runs of the
 * daemon test that kills its connections). That connection closes and reconnects by itself; exactly that
 * rejection is absorbed. (fetch_types cannot be turned off: postgres.js then sends array parameters as
 * `1,2,3`, which PostgreSQL rejects.)
 */
function guardPostgresJsWrite(): void {
  if (guardInstalled) return;
  guardInstalled = true;
  globalThis.addEventListener("unhandledrejection", (event) => {
    const query = (event.reason as { query?: unknown } | null)?.query;
    if (
      typeof query === "string" && /from pg_catalog\.pg_type a\s+left join pg_catalog\.pg_type b/.test(query)
    ) {
      event.preventDefault();
    }
  });
  globalThis.addEventListener("error", (event) => {
    const error = event.error;
    if (
      error instanceof TypeError && error.message.includes("reading 'write'") &&
      /postgres[\\/]3\.4\.9[\\/]src[\\/]connection\.js/.test(error.stack ?? "")
    ) {
      event.preventDefault();
      for (const broken of brokenListeners) broken(error);
    }
  });
}

/** What {@linkcode libpqUrlOptions} takes out of a URL for postgres.js. */
export interface LibpqUrlOptions {
  /** The URL without the parameters below (and without a socket directory as its host). */
  url: string;
  /** The socket file, when the host is a directory (libpq: a host starting with "/"). */
  path?: string;
  host?: string;
  port?: number;
  user?: string;
  pass?: string;
  database?: string;
}

/**
 * The libpq URL forms postgres.js does not read: the parameters `host` (a directory for a Unix socket, as in
 * `postgresql:///mydb?host=/var/run/postgresql`), `port`, `user`, `password` and `dbname`, and a
 * percent-encoded directory as the host (`postgresql://%2Fvar%2Frun%2Fpostgresql/mydb`). postgres.js sent
 * unknown parameters to the server as settings, which refused the connection: `unrecognized configuration
 * parameter "host"`. Everything else stays in the URL for postgres.js (sslmode, application_name, …).
 */
export function libpqUrlOptions(url: string): LibpqUrlOptions {
  const u = new URL(url);
  const take = (key: string) => {
    const value = u.searchParams.get(key) ?? undefined;
    u.searchParams.delete(key);
    return value || undefined;
  };
  const out: Omit<LibpqUrlOptions, "url"> = {};
  let host = take("host");
  if (!host && /^%2f/i.test(u.hostname)) host = decodeURIComponent(u.hostname);
  const port = take("port") ?? (u.port || undefined);
  if (port !== undefined) out.port = Number(port);
  if (host?.startsWith("/")) {
    out.path = `${host.replace(/\/+$/, "")}/.s.PGSQL.${out.port ?? 5432}`;
    if (u.hostname) u.hostname = "localhost";
  } else if (host) {
    out.host = host;
  }
  const user = take("user");
  if (user) out.user = user;
  const pass = take("password");
  if (pass) out.pass = pass;
  const database = take("dbname");
  if (database) out.database = database;
  return { url: u.href, ...out };
}

/**
 * Connects to PostgreSQL with postgres.js. The pool connects lazily and reconnects after a restart; when
 * postgres.js breaks one of its connections (see {@linkcode guardPostgresJsWrite}) the pool is replaced and
 * LISTENs are taken up on the new one.
 */
export function connectPostgres(url: string, options: PostgresOptions = {}): Db {
  guardPostgresJsWrite();
  const { url: href, ...libpq } = libpqUrlOptions(url);
  const open = () =>
    postgres(href, {
      ...libpq,
      max: options.max ?? 10,
      onnotice: () => {},
      types: { int8: int8AsNumber },
      connection: {
        application_name: options.applicationName ?? "ses-daemon-bot",
        ...(options.schema ? { search_path: options.schema } : {}),
      },
      // A pooled connection idle for a minute is closed; a restarted server is found on the next query.
      idle_timeout: 60,
      // A connect to a live server takes milliseconds, even over a WAN; a dead one fails fast and is retried.
      connect_timeout: options.connectTimeoutS ?? 10,
      backoff: (retries: number) => reconnectDelayS(retries),
    });
  let sql = open();
  let closing = false;
  let replacing: ReturnType<typeof setTimeout> | undefined;
  /** Replaced pools, ending once their queries are done. */
  const retired = new Set<Promise<void>>();
  const listens = new Set<{ channel: string; onNotify: () => void; unlisten?: () => Promise<void> }>();
  const subscribe = async (l: { channel: string; onNotify: () => void; unlisten?: () => Promise<void> }) => {
    const sub = await sql.listen(l.channel, () => l.onNotify(), () => l.onNotify());
    l.unlisten = () => sub.unlisten();
  };
  const broken = (error: unknown) => {
    if (closing || replacing) return;
    // Once per burst: one cut breaks several connections within the same tick.
    replacing = setTimeout(() => {
      replacing = undefined;
      const old = sql;
      sql = open();
      const ended: Promise<void> = old.end({ timeout: 5 }).catch(() => {}).finally(() =>
        retired.delete(ended)
      );
      retired.add(ended);
      for (const l of listens) {
        // Wake the listener at once: notifications sent while switching pools are not lost work, only late.
        subscribe(l).then(() => l.onNotify(), () => l.onNotify());
      }
      options.onError?.(error);
    }, 0);
  };
  brokenListeners.add(broken);
  const answerMs = options.answerTimeoutMs;
  const limit = <T>(promise: Promise<T>, what: string): Promise<T> =>
    answerMs === undefined ? promise : withTimeout(
      promise,
      answerMs,
      `PostgreSQL gave no answer to ${what} in ${answerMs} ms (connection lost?)`,
    );
  const run = async <Row>(
    q: postgres.Sql | postgres.TransactionSql,
    text: string,
    params?: readonly unknown[],
  ) => {
    // Named prepared statements: the texts are a fixed set (sql/queries), so each is parsed and planned once
    // per connection instead of on every call.
    const res = await limit(
      q.unsafe(text, (params ?? []) as postgres.ParameterOrJSON<never>[], { prepare: true }),
      "a statement",
    );
    return { rows: [...res] as Row[], count: res.count };
  };
  const transaction = async <T>(fn: (tx: Queryable) => Promise<T>): Promise<T> => {
    // BEGIN (until the callback starts) and COMMIT or ROLLBACK (after it ends) are limited like statements.
    let started: () => void = () => {};
    let ended: () => void = () => {};
    const callbackStarted = new Promise<void>((resolve) => started = resolve);
    const callbackEnded = new Promise<void>((resolve) => ended = resolve);
    let failed: { error: unknown } | undefined;
    const tx = sql.begin(async (t) => {
      started();
      try {
        return await fn({
          query: (text, params) => run(t, text, params),
          exec: async (text) => {
            await t.unsafe(text);
          },
        });
      } catch (error) {
        failed = { error };
        throw error;
      } finally {
        ended();
      }
    }) as Promise<T>;
    if (answerMs === undefined) return await tx;
    // The BEGIN deadline ends when the callback starts or the transaction settles (a failed BEGIN), so no
    // timer outlives the transaction.
    const settled = tx.then(() => {}, () => {});
    await Promise.race([tx, limit(Promise.race([callbackStarted, settled]), "BEGIN")]);
    await Promise.race([tx, callbackEnded]);
    try {
      return await limit(tx, "the end of a transaction");
    } catch (error) {
      // A ROLLBACK stuck behind the statement that failed says less than that statement's error.
      throw failed ? failed.error : error;
    }
  };
  return {
    kind: "postgres",
    query: (text, params) => run(sql, text, params),
    exec: async (text) => {
      await sql.unsafe(text);
    },
    transaction,
    listen: async (channel, onNotify) => {
      const l: { channel: string; onNotify: () => void; unlisten?: () => Promise<void> } = {
        channel,
        onNotify,
      };
      await subscribe(l);
      listens.add(l);
      return async () => {
        listens.delete(l);
        await l.unlisten?.();
      };
    },
    close: async () => {
      closing = true;
      clearTimeout(replacing);
      brokenListeners.delete(broken);
      await Promise.all([sql.end({ timeout: 5 }), ...retired]);
    },
  };
}

/** Opens (or creates) an embedded PGlite database in `dataDir`; one process at a time. */
export async function openPglite(dataDir: string): Promise<Db> {
  const { PGlite } = await import("@electric-sql/pglite");
  await Deno.mkdir(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
  const wrap = (q: Pick<InstanceType<typeof PGlite>, "query" | "exec">): Queryable => ({
    query: async <Row>(text: string, params?: readonly unknown[]) => {
      const res = await q.query<Row>(text, params as unknown[] | undefined);
      return { rows: res.rows, count: res.affectedRows ?? res.rows.length };
    },
    exec: async (text: string) => {
      await q.exec(text);
    },
  });
  const self = wrap(db);
  return {
    kind: "pglite",
    ...self,
    // PGlite has one session: it queues transactions itself, so they are serialised.
    transaction: (fn) => db.transaction((tx) => fn(wrap(tx))),
    listen: async (channel, onNotify) => await db.listen(channel, () => onNotify()),
    close: () => db.close(),
  };
}
