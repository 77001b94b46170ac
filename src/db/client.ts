/**
 * One database interface over two drivers: postgres.js against a PostgreSQL server (`DATABASE_URL`), and PGlite
 * (PostgreSQL in WASM) as the embedded default. Both run the same `.sql` files; this module aligns their
 * differences (int8 as number, row counts, transactions, LISTEN).
 */
import postgres from "postgres";

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
  /** Called when a connection is lost or refused; the pool reconnects by itself on the next query. */
  onError?: (error: unknown) => void;
}

// int8 (ids, sizes, counts) as a JS number: PGlite does this already; ids stay far below 2^53.
const int8AsNumber = {
  to: 20,
  from: [20],
  serialize: (x: number) => String(x),
  parse: (x: string) => Number(x),
};

let guardInstalled = false;

/**
 * postgres.js 3.4.9 under Deno: when the server drops a connection (restart, pg_terminate_backend) while a
 * small write is queued, `closed()` clears the queued setImmediate, but Deno's timers still run it, after
 * `socket = null`, and the TypeError is uncaught: the process died on every PostgreSQL restart. The
 * connection is already closed and the pool reconnects on the next query, so exactly that error is logged and
 * absorbed; any other uncaught error still ends the process.
 */
function guardPostgresJsWrite(onError?: (error: unknown) => void): void {
  if (guardInstalled) return;
  guardInstalled = true;
  globalThis.addEventListener("error", (event) => {
    const error = event.error;
    if (
      error instanceof TypeError && error.message.includes("reading 'write'") &&
      /postgres[\\/]3\.4\.9[\\/]src[\\/]connection\.js/.test(error.stack ?? "")
    ) {
      event.preventDefault();
      onError?.(error);
    }
  });
}

/** Connects to PostgreSQL with postgres.js. The pool connects lazily and reconnects after a restart. */
export function connectPostgres(url: string, options: PostgresOptions = {}): Db {
  guardPostgresJsWrite(options.onError);
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    types: { int8: int8AsNumber },
    connection: {
      application_name: options.applicationName ?? "ses-daemon-bot",
      ...(options.schema ? { search_path: options.schema } : {}),
    },
    // A pooled connection idle for a minute is closed; a restarted server is found on the next query.
    idle_timeout: 60,
    // Short: a connection postgres.js broke when the server cut it (see guardPostgresJsWrite) fails each
    // reconnect by this timeout; on a local or LAN server 3 s is plenty for a healthy connect.
    connect_timeout: 3,
  });
  const run = async <Row>(
    q: postgres.Sql | postgres.TransactionSql,
    text: string,
    params?: readonly unknown[],
  ) => {
    // Named prepared statements: the texts are a fixed set (sql/queries), so each is parsed and planned once
    // per connection instead of on every call.
    const res = await q.unsafe(text, (params ?? []) as postgres.ParameterOrJSON<never>[], { prepare: true });
    return { rows: [...res] as Row[], count: res.count };
  };
  return {
    kind: "postgres",
    query: (text, params) => run(sql, text, params),
    exec: async (text) => {
      await sql.unsafe(text);
    },
    transaction: async <T>(fn: (tx: Queryable) => Promise<T>) =>
      (await sql.begin((tx) =>
        fn({
          query: (text, params) => run(tx, text, params),
          exec: async (text) => {
            await tx.unsafe(text);
          },
        })
      )) as T,
    listen: async (channel, onNotify) => {
      const sub = await sql.listen(channel, () => onNotify(), () => onNotify());
      return () => sub.unlisten();
    },
    close: () => sql.end({ timeout: 5 }),
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
