import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "../src/config.ts";
import { inRanges, parseProxies, TrustedProxy } from "../src/console/proxy.ts";
import { Client, consoleFixture, emailId, question } from "./helpers/console.ts";

Deno.test("proxy ranges: IPv4 and IPv6 addresses and CIDRs, IPv4-mapped IPv6 as IPv4, bad items reported", () => {
  const { cidrs, invalid } = parseProxies(
    "10.1.0.0/16, 127.0.0.1, ::1, fd00::/8, 300.1.1.1, 10.0.0.0/33, x/8",
  );
  assert.deepEqual(invalid, ["300.1.1.1", "10.0.0.0/33", "x/8"]);
  assert.equal(cidrs.length, 4);
  for (const a of ["10.1.2.3", "127.0.0.1", "::1", "fd12:3456::1", "::ffff:10.1.200.7", "[::1]"]) {
    assert.ok(inRanges(a, cidrs), a);
  }
  for (const a of ["10.2.0.1", "127.0.0.2", "::2", "fe80::1", "::ffff:10.2.0.1", "", "not an ip"]) {
    assert.ok(!inRanges(a, cidrs), a);
  }
  assert.ok(inRanges("203.0.113.9", parseProxies("0.0.0.0/0").cidrs));
  assert.ok(!inRanges("::1", parseProxies("0.0.0.0/0").cidrs), "an IPv4 range holds no IPv6 address");
});

Deno.test("config: the user header needs trusted proxies (and they need the header); bad ranges are named", () => {
  const load = (env: Record<string, string>) => () => loadConfig((n) => env[n]);
  assert.throws(
    load({ CONSOLE_TRUSTED_USER_HEADER: "X-Forwarded-User" }),
    (e: Error) => e instanceof ConfigError && /needs CONSOLE_TRUSTED_PROXIES/.test(e.message),
  );
  assert.throws(
    load({ CONSOLE_TRUSTED_PROXIES: "127.0.0.1" }),
    (e: Error) => e instanceof ConfigError && /without CONSOLE_TRUSTED_USER_HEADER/.test(e.message),
  );
  assert.throws(
    load({ CONSOLE_TRUSTED_USER_HEADER: "X-Forwarded-User", CONSOLE_TRUSTED_PROXIES: "127.0.0.1, 10.0.0/8" }),
    (e: Error) => e instanceof ConfigError && /"10\.0\.0\/8" is not an IP address or CIDR/.test(e.message),
  );
  assert.throws(
    load({ CONSOLE_TRUSTED_USER_HEADER: "X User", CONSOLE_TRUSTED_PROXIES: "127.0.0.1" }),
    (e: Error) => e instanceof ConfigError && /not a header name/.test(e.message),
  );
  const ok = loadConfig((n) =>
    ({ CONSOLE_TRUSTED_USER_HEADER: "X-Forwarded-User", CONSOLE_TRUSTED_PROXIES: "127.0.0.1,::1" })[n]
  );
  assert.equal(ok.consoleTrustedUserHeader, "X-Forwarded-User");
});

Deno.test("a request from the trusted proxy with the header is that user, in the audit trail too", async () => {
  const proxy = new TrustedProxy("X-Forwarded-User", parseProxies("127.0.0.1, ::1").cidrs);
  await using f = await consoleFixture({ "q1.eml": question(1) }, { trustedProxy: proxy });
  const id = await emailId(f.t, "<question-1@customer.example>");
  const get = (path: string, cookie = "") =>
    fetch(f.base + path, {
      headers: { "x-forwarded-user": "alice@corp.example", cookie },
      redirect: "manual",
    });
  const first = await get("/folders/all");
  assert.equal(first.status, 200, "no login page: the proxy logged her in");
  assert.match(await first.text(), /alice@corp\.example/);
  const cookie = first.headers.get("set-cookie")!.split(";")[0];
  // The next request reuses her session (no new cookie); a POST needs its CSRF token as always.
  const page = await get(`/emails/${id}`, cookie);
  assert.equal(page.headers.get("set-cookie"), null);
  const csrf = /name="csrf" value="([^"]+)"/.exec(await page.text())![1];
  const post = (fields: Record<string, string>) =>
    fetch(f.base + `/emails/${id}/handled`, {
      method: "POST",
      headers: {
        "x-forwarded-user": "alice@corp.example",
        cookie,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams(fields),
      redirect: "manual",
    });
  const refused = await post({});
  await refused.body?.cancel();
  assert.equal(refused.status, 403);
  const done = await post({ csrf });
  await done.body?.cancel();
  assert.equal(done.status, 303);
  const { rows } = await f.t.db.query<{ actor: string }>("SELECT actor FROM audit_log WHERE email_id = $1", [
    id,
  ]);
  assert.deepEqual(rows, [{ actor: "alice@corp.example" }]);
  // Another name from the proxy is another session.
  const bob = await fetch(f.base + "/folders/all", {
    headers: { "x-forwarded-user": "bob", cookie },
    redirect: "manual",
  });
  assert.match(await bob.text(), />bob</);
  assert.ok(bob.headers.get("set-cookie"));
});

Deno.test("the user header from anyone but the trusted proxies is ignored", async () => {
  const proxy = new TrustedProxy("X-Forwarded-User", parseProxies("10.0.0.0/8").cidrs);
  await using f = await consoleFixture({ "q1.eml": question(1) }, { trustedProxy: proxy });
  const res = await fetch(f.base + "/folders/all", {
    headers: { "x-forwarded-user": "admin", "x-forwarded-for": "10.0.0.1" },
    redirect: "manual",
  });
  await res.body?.cancel();
  assert.equal(res.status, 303);
  assert.match(res.headers.get("location")!, /^\/login/);
  assert.equal(res.headers.get("set-cookie"), null);
  const c = new Client(f.base);
  await c.login();
  const page = await c.page("/folders/all");
  assert.match(page.html, /<span class="muted">password<\/span>/);
  const { rows } = await f.t.db.query<{ user_name: string }>("SELECT user_name FROM console_sessions");
  assert.deepEqual(rows, [{ user_name: "password" }]);
});
