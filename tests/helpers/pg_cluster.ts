/**
 * A PostgreSQL cluster of the test's own (initdb + pg_ctl in a temp dir, on a free port), for tests that
 * restart or stop the server: the shared server of TEST_DATABASE_URL is never disturbed. initdb refuses to run
 * as root, so under root the cluster belongs to the `postgres` user.
 */

/** A running cluster; stop it (and remove its files) with `await using` or `stop()`. */
export interface PgCluster {
  /** postgres://postgres@127.0.0.1:PORT/postgres (trust authentication). */
  url: string;
  port: number;
  /** `pg_ctl restart -m fast`: sessions are cut, the server is back when this resolves. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Where the PostgreSQL server binaries are (the newest of /usr/lib/postgresql/N/bin), or undefined. */
export function pgBinDir(): string | undefined {
  try {
    const versions = [...Deno.readDirSync("/usr/lib/postgresql")].map((e) => e.name).filter((n) =>
      /^\d+$/.test(n)
    );
    versions.sort((a, b) => Number(b) - Number(a));
    for (const v of versions) {
      const bin = `/usr/lib/postgresql/${v}/bin`;
      if (exists(`${bin}/initdb`) && exists(`${bin}/pg_ctl`)) return bin;
    }
  } catch { /* no server packages */ }
  return undefined;
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function run(args: string[], asUser: string | undefined): Promise<void> {
  const [cmd, rest] = asUser ? ["runuser", ["-u", asUser, "--", ...args]] : [args[0], args.slice(1)];
  const out = await new Deno.Command(cmd, { args: rest, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) {
    const dec = new TextDecoder();
    throw new Error(
      `Cannot run ${args.slice(0, 2).join(" ")}: exit ${out.code}\n${dec.decode(out.stdout)}${
        dec.decode(out.stderr)
      }`,
    );
  }
}

/** Creates and starts a cluster; throws when no PostgreSQL server binaries are installed. */
export async function startPgCluster(): Promise<PgCluster> {
  const bin = pgBinDir();
  if (!bin) throw new Error("Cannot start a PostgreSQL cluster: no /usr/lib/postgresql/N/bin/initdb");
  const root = Deno.uid() === 0;
  const asUser = root ? "postgres" : undefined;
  const dir = await Deno.makeTempDir({ prefix: "pgcluster-" });
  if (root) {
    const id = (flag: string) =>
      new TextDecoder().decode(new Deno.Command("id", { args: [flag, "postgres"] }).outputSync().stdout)
        .trim();
    await Deno.chown(dir, Number(id("-u")), Number(id("-g")));
  }
  const data = `${dir}/data`;
  const port = freePort();
  await run(
    [`${bin}/initdb`, "-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"],
    asUser,
  );
  const ctl = (...args: string[]) =>
    run([`${bin}/pg_ctl`, "-D", data, "-l", `${dir}/log`, "-w", ...args], asUser);
  // Unix socket in the temp dir (the default one may not be writable); fsync off: a test cluster.
  await ctl(
    "-o",
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60`,
    "start",
  );
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      await ctl("-m", "immediate", "stop");
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  };
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    restart: () => ctl("-m", "fast", "restart"),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
