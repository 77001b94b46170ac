/** A machine without PostgreSQL: the tests stop at once with one line saying how to get a server. */
import assert from "node:assert/strict";

Deno.test("with no PostgreSQL answering, the check fails at once with one line naming docker and TEST_DATABASE_URL", async () => {
  // A port nothing listens on: bind one, note it, close it.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const started = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-env",
      "--allow-net",
      "--allow-read",
      "--allow-sys",
      "tests/helpers/require_postgres.ts",
    ],
    env: { TEST_DATABASE_URL: `postgres://postgres:secret@127.0.0.1:${port}/test` },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const seconds = (performance.now() - started) / 1000;
  const stderr = new TextDecoder().decode(out.stderr).trim();
  assert.equal(out.code, 1);
  assert.equal(stderr.split("\n").length, 1, stderr);
  assert.match(
    stderr,
    /^Cannot reach PostgreSQL at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/test \(ECONNREFUSED/,
  );
  assert.match(stderr, /docker run -d --name ses-pg .* postgres:17/);
  assert.match(stderr, /TEST_DATABASE_URL/);
  assert.doesNotMatch(stderr, /secret/, "the password is not shown");
  assert.ok(seconds < 10, `${seconds} s`);
});

Deno.test("with the server answering, the check passes silently", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-env",
      "--allow-net",
      "--allow-read",
      "--allow-sys",
      "tests/helpers/require_postgres.ts",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  assert.equal(new TextDecoder().decode(out.stderr), "");
});

Deno.test("the load-time check of a test file is a bare TCP connection: refused on a closed port, fine on the server", async () => {
  const { tcpProblem, TEST_DATABASE_URL } = await import("./helpers/require_postgres.ts");
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const problem = await tcpProblem(`postgres://postgres@127.0.0.1:${port}/test`);
  assert.ok(problem && /refused/i.test(problem), problem);
  assert.equal(await tcpProblem(TEST_DATABASE_URL), undefined);
  assert.equal(await tcpProblem("postgres://postgres@localhost/test?host=/var/run/postgresql"), undefined);
});
