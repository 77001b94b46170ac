import assert from "node:assert/strict";
import { LoginLimiter } from "../src/console/auth.ts";
import { CSP } from "../src/console/security.ts";
import { parseFilters, senderMatch } from "../src/console/filters.ts";
import { listFolder } from "../src/db/console.ts";
import { SECOND_REPLY_REASON } from "../src/review/reroute.ts";
import { Client, consoleFixture, emailId, HOSTILE, question } from "./helpers/console.ts";

const MAIL = { "q1.eml": question(1), "q2.eml": question(2, "anna1@customer.example"), "h.eml": HOSTILE };

Deno.test("without a session, pages redirect to /login and everything else answers 401", async () => {
  await using f = await consoleFixture(MAIL);
  const c = new Client(f.base);
  for (const path of ["/", "/folders/needs_person", "/emails/1", "/emails/1/raw"]) {
    const res = await c.get(path);
    await res.body?.cancel();
    if (path === "/") {
      assert.equal(res.status, 303);
      continue;
    }
    assert.equal(res.status, 303, path);
    assert.equal(res.headers.get("location"), `/login?${new URLSearchParams({ next: path })}`);
  }
  const post = await c.post("/emails/1/handled", { csrf: "x" });
  await post.body?.cancel();
  assert.equal(post.status, 401);
  assert.equal((await f.t.db.query("SELECT 1 FROM emails WHERE handled_at IS NOT NULL")).rows.length, 0);
});

Deno.test("the password opens a session with a strict cookie; a wrong one is refused", async () => {
  await using f = await consoleFixture(MAIL);
  const c = new Client(f.base);
  const wrong = await c.login("not the password");
  assert.equal(wrong.status, 401);
  assert.equal(wrong.headers.get("set-cookie"), null);
  const ok = await c.login();
  assert.equal(ok.status, 303);
  const cookie = ok.headers.get("set-cookie")!;
  assert.match(cookie, /^sdb_session=[A-Za-z0-9_-]{43}; /);
  for (const attr of ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"]) {
    assert.ok(cookie.includes(attr));
  }
  assert.ok(!cookie.includes("Secure"), "plain http: no Secure flag (CONSOLE_URL https sets it)");
  const page = await c.page("/folders/needs_person");
  assert.equal(page.status, 200);
  assert.match(page.html, /Needs a person/);
  // The database keeps only the hash of the session id.
  const { rows } = await f.t.db.query<{ id_hash: string }>("SELECT id_hash FROM console_sessions");
  assert.equal(rows.length, 1);
  assert.ok(!c.cookie.includes(rows[0].id_hash));
  // Logging out ends it.
  const out = await c.act("/folders/all", "/logout");
  assert.equal(out.status, 303);
  const after = await c.get("/folders/all");
  await after.body?.cancel();
  assert.equal(after.status, 303);
});

Deno.test("failed logins are rate-limited per client, even the right password then waits", async () => {
  await using f = await consoleFixture(MAIL, { limiter: new LoginLimiter(3, 60_000) });
  const c = new Client(f.base);
  for (let i = 0; i < 3; i++) assert.equal((await c.login("guess " + i)).status, 401);
  const limited = await c.login();
  assert.equal(limited.status, 429);
  assert.ok(Number(limited.headers.get("retry-after")) > 0);
  assert.equal(c.cookie, "");
});

Deno.test("without a password, the one-time login link opens one session and then is useless", async () => {
  await using f = await consoleFixture(MAIL, { password: null });
  assert.ok(f.server.loginUrl);
  const path = f.server.loginUrl!.slice(f.base.length);
  const c = new Client(f.base);
  const first = await c.get(path);
  await first.body?.cancel();
  assert.equal(first.status, 303);
  c.keepCookie(first);
  assert.equal((await c.page("/folders/all")).status, 200);
  const again = await new Client(f.base).get(path);
  await again.body?.cancel();
  assert.equal(again.status, 401, "the token works once");
  const { rows } = await f.t.db.query<{ user_name: string }>("SELECT user_name FROM console_sessions");
  assert.deepEqual(rows.map((r) => r.user_name), ["token"]);
});

Deno.test("a POST without the session's CSRF token is refused with 403 and changes nothing", async () => {
  await using f = await consoleFixture(MAIL);
  const c = new Client(f.base);
  await c.login();
  const id = await emailId(f.t, "<hostile-1@evil.example>");
  for (const fields of [{}, { csrf: "" }, { csrf: "A".repeat(43) }] as Record<string, string>[]) {
    const res = await c.post(`/emails/${id}/handled`, fields);
    assert.equal(res.status, 403, JSON.stringify(fields));
    assert.match(await res.text(), /CSRF/);
  }
  // Another session's token is no good either.
  const other = new Client(f.base);
  await other.login();
  const { csrf } = await other.page(`/emails/${id}`);
  const res = await c.post(`/emails/${id}/handled`, { csrf });
  await res.body?.cancel();
  assert.equal(res.status, 403);
  assert.equal((await f.t.db.query("SELECT 1 FROM audit_log")).rows.length, 0);
});

Deno.test("every response carries the strict CSP and the other security headers", async () => {
  await using f = await consoleFixture(MAIL);
  const c = new Client(f.base);
  const anonymous = [
    await c.get("/login"),
    await c.get("/folders/all"),
    await c.post("/emails/1/handled", {}),
  ];
  await c.login();
  const id = await emailId(f.t, "<hostile-1@evil.example>");
  const responses = [
    ...anonymous,
    await c.get("/folders/needs_person"),
    await c.get(`/emails/${id}`),
    await c.get(`/emails/${id}/raw`),
    await c.get("/static/console.css"),
    await c.get("/emails/999999"),
    await c.get("/nowhere"),
    await c.post(`/emails/${id}/handled`, {}),
  ];
  for (const res of responses) {
    await res.body?.cancel();
    assert.equal(res.headers.get("content-security-policy"), CSP, `${res.url} ${res.status}`);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.equal(res.headers.get("referrer-policy"), "no-referrer");
  }
  assert.match(CSP, /default-src 'none'/);
  assert.doesNotMatch(CSP, /script-src|unsafe-inline/);
});

Deno.test("a hostile email shows as inert text, and its original only downloads", async () => {
  await using f = await consoleFixture(MAIL);
  const c = new Client(f.base);
  await c.login();
  const id = await emailId(f.t, "<hostile-1@evil.example>");
  const { status, html } = await c.page(`/emails/${id}`);
  assert.equal(status, 200);
  assert.doesNotMatch(html, /<script/i);
  assert.doesNotMatch(html, /<img/i);
  assert.doesNotMatch(html, /<iframe|<div style/i);
  assert.doesNotMatch(html, /<[^>]*\son[a-z]+\s*=/i, "no event handler attribute in any tag");
  assert.doesNotMatch(html, /href="javascript:/i);
  assert.doesNotMatch(html, /action="https?:/i, "no form posts anywhere but here");
  assert.ok(
    html.includes("Hello &lt;script>alert('body')&lt;/script> there."),
    "the markup is shown as text",
  );
  assert.ok(html.includes("&lt;img src=x onerror=alert(1)> invoice"));
  assert.ok(!html.includes("\u202E") && !html.includes("\u2066"), "bidi controls are shown, not obeyed");
  assert.match(html, /⟨U\+202E⟩gpj\.exe/);
  assert.match(html, /x{100000}/, "the very long line is there, wrapped by CSS");
  assert.ok(html.includes("the email's HTML is never rendered here"));
  // In a folder too.
  const folder = await c.page("/folders/needs_person");
  assert.doesNotMatch(folder.html, /<script|<img/i);
  assert.match(folder.html, /⟨U\+202E⟩/);
  const raw = await c.get(`/emails/${id}/raw`);
  assert.equal(raw.headers.get("content-type"), "application/octet-stream");
  assert.equal(raw.headers.get("content-disposition"), `attachment; filename="email-${id}.eml"`);
  assert.match(await raw.text(), /<script>alert\('body'\)<\/script>/, "the original, byte for byte");
});

Deno.test("correct: the email is routed for the new intent, what went stays, and no second reply", async () => {
  await using f = await consoleFixture(MAIL);
  const c = new Client(f.base);
  await c.login();
  // The question that got its automatic reply.
  const { rows: [answered] } = await f.t.db.query<{ id: number }>(
    "SELECT email_id AS id FROM effects WHERE kind = 'reply' AND state = 'delivered' AND purpose = 'send_info_reply'",
  );
  const res = await c.act(`/emails/${answered.id}`, `/emails/${answered.id}/correct`, {
    intent: "speak_to_human",
    note: "she asked for a call in her last line",
  });
  assert.equal(res.status, 303);
  assert.equal(res.headers.get("location"), `/emails/${answered.id}?done=corrected`);
  await f.drain();
  const { rows: effects } = await f.t.db.query<
    { kind: string; purpose: string; state: string; last_error: string }
  >(
    "SELECT kind, purpose, state, last_error FROM effects WHERE email_id = $1 ORDER BY id",
    [answered.id],
  );
  assert.deepEqual(effects.map((e) => `${e.purpose} ${e.state}`).sort(), [
    "ack_reply.c1 suppressed",
    "escalation.c1 delivered",
    "send_info_reply delivered",
  ]);
  assert.equal(effects.find((e) => e.purpose === "ack_reply.c1")!.last_error, SECOND_REPLY_REASON);
  const page = await c.page(res.headers.get("location")!);
  assert.match(page.html, /Intent corrected/);
  assert.match(page.html, /escalation\.c1/);
  assert.match(page.html, /she asked for a call in her last line/, "the note is in the audit trail");
  assert.match(page.html, /send_info → speak_to_human/);
  const { rows: labels } = await f.t.db.query<{ kind: string; intent: string; previous_intent: string }>(
    "SELECT kind, intent, previous_intent FROM labels WHERE email_id = $1",
    [answered.id],
  );
  assert.deepEqual(labels, [{ kind: "correction", intent: "speak_to_human", previous_intent: "send_info" }]);
  // Corrected again (back): a new routing with new purposes; still one reply.
  await c.act(`/emails/${answered.id}`, `/emails/${answered.id}/correct`, { intent: "send_info" });
  await f.drain();
  const replies = await f.t.db.query(
    "SELECT 1 FROM effects WHERE email_id = $1 AND kind = 'reply' AND state <> 'suppressed'",
    [answered.id],
  );
  assert.equal(replies.rows.length, 1, "never a second automatic reply");
});

Deno.test("handled: the email leaves Needs a person, with an audit row and a confirmation", async () => {
  await using f = await consoleFixture(MAIL);
  const c = new Client(f.base);
  await c.login();
  const id = await emailId(f.t, "<hostile-1@evil.example>");
  assert.ok(
    (await listFolder(f.t.db, "needs_person", { cursor: null, filters: NONE, limit: 50 })).some((r) =>
      r.id === id
    ),
  );
  const res = await c.act(`/emails/${id}`, `/emails/${id}/handled`, { note: "answered by phone" });
  assert.equal(res.status, 303);
  const left = await listFolder(f.t.db, "needs_person", { cursor: null, filters: NONE, limit: 50 });
  assert.ok(!left.some((r) => r.id === id));
  const { rows } = await f.t.db.query<{ actor: string; action: string; note: string }>(
    "SELECT actor, action, note FROM audit_log WHERE email_id = $1",
    [id],
  );
  assert.deepEqual(rows, [{ actor: "password", action: "handled", note: "answered by phone" }]);
  const labels = await f.t.db.query("SELECT 1 FROM labels WHERE email_id = $1 AND kind = 'confirmation'", [
    id,
  ]);
  assert.equal(labels.rows.length, 1);
  const page = await c.page(`/emails/${id}`);
  assert.match(page.html, /answered by phone/);
  assert.doesNotMatch(page.html, /Mark handled/);
});

Deno.test("release: a withheld reply is delivered after all, once; a second reply is refused", async () => {
  await using f = await consoleFixture(MAIL);
  const c = new Client(f.base);
  await c.login();
  const { rows: [withheld] } = await f.t.db.query<{ id: number; email_id: number }>(
    "SELECT id, email_id FROM effects WHERE kind = 'reply' AND state = 'suppressed'",
  );
  const withheldPage = await c.page("/folders/withheld");
  assert.match(withheldPage.html, new RegExp(`href="/emails/${withheld.email_id}"`));
  assert.match(withheldPage.html, /AUTO_REPLY_WINDOW/);
  const res = await c.act(`/emails/${withheld.email_id}`, `/effects/${withheld.id}/release`);
  assert.equal(res.status, 303);
  await f.drain();
  const { rows } = await f.t.db.query<{ state: string }>("SELECT state FROM effects WHERE id = $1", [
    withheld.id,
  ]);
  assert.equal(rows[0].state, "delivered");
  // Releasing a reply of an email that already has one delivered is refused.
  await c.act(`/emails/${withheld.email_id}`, `/emails/${withheld.email_id}/correct`, {
    intent: "speak_to_human",
  });
  const { rows: [again] } = await f.t.db.query<{ id: number }>(
    "SELECT id FROM effects WHERE email_id = $1 AND kind = 'reply' AND state = 'suppressed'",
    [withheld.email_id],
  );
  const refused = await c.post(`/effects/${again.id}/release`, { csrf: (await c.page("/folders/all")).csrf });
  assert.equal(refused.status, 409);
  assert.match(await refused.text(), /already has another automatic reply/);
});

Deno.test("folders count their emails, search escapes its pattern, and pages by id", async () => {
  await using f = await consoleFixture(MAIL);
  const c = new Client(f.base);
  await c.login();
  const all = await c.page("/folders/all");
  assert.match(all.html, /All<span class="count">3<\/span>/);
  assert.match(all.html, /Withheld<span class="count">1<\/span>/);
  const list = async (query: string, cursor: number | null = null, limit = 10) =>
    await listFolder(f.t.db, "all", {
      cursor,
      filters: parseFilters(new URLSearchParams(query)).filters,
      limit,
    });
  assert.equal((await list("q=%25")).length, 0);
  assert.equal((await list("from=%25")).length, 0, "% in a sender is matched literally");
  assert.equal((await list(`q=${encodeURIComponent("PRICING QUESTION")}`)).length, 2);
  const first = await list("", null, 2);
  const next = await list("", first[1].id, 2);
  assert.equal(next.length, 1);
  assert.ok(next[0].id < first[1].id);
  const page = await c.page(`/folders/all?q=${encodeURIComponent("pricing question")}`);
  assert.equal((page.html.match(/<tr>/g) ?? []).length, 1 + 2);
});

Deno.test("search finds a sender by address, prefix or domain, and words of the text; filters combine", async () => {
  await using f = await consoleFixture(MAIL);
  const ids = async (query: string) =>
    (await listFolder(f.t.db, "all", {
      cursor: null,
      filters: parseFilters(new URLSearchParams(query)).filters,
      limit: 10,
    })).map((r) => r.sender).sort();
  const anna = ["anna1@customer.example", "anna1@customer.example"];
  assert.deepEqual(await ids("q=anna1@customer.example"), anna);
  assert.deepEqual(await ids("q=anna2@customer.example"), []);
  assert.deepEqual(await ids("q=ANNA1@customer.example+pricing"), anna);
  assert.deepEqual(await ids("q=@customer.example"), anna);
  assert.deepEqual(await ids("from=ANNA"), anna, "a prefix of the address");
  assert.deepEqual(await ids("from=anna1@customer.example"), anna);
  assert.deepEqual(await ids("from=anna1@customer.exam"), anna);
  assert.deepEqual(await ids("from=customer.example"), anna);
  assert.deepEqual(await ids("from=@evil.example"), ["mallory@evil.example"]);
  assert.deepEqual(await ids("q=overlay"), ["mallory@evil.example"], "a word of the text");
  assert.deepEqual(await ids("q=cost+month"), anna, "every word, anywhere in the text");
  assert.deepEqual(await ids("from=anna1&intent=send_info"), anna);
  assert.deepEqual(await ids("from=anna1&intent=unknown"), []);
  assert.deepEqual(await ids("intent=speak_to_human&classifier=offline"), ["mallory@evil.example"]);
  assert.deepEqual(await ids("since=2000-01-01&until=2000-01-02"), []);
  const today = new Date().toISOString().slice(0, 10);
  assert.equal((await ids(`since=${today}&until=${today}`)).length, 3);
  assert.deepEqual(senderMatch("a_b%@x.example"), { prefix: "a\\_b\\%@x.example%", domain: null });
  assert.deepEqual(senderMatch("@X.example"), { prefix: null, domain: "x.example" });
  assert.deepEqual(senderMatch("x.example"), { prefix: null, domain: "x.example" });
  assert.deepEqual(senderMatch("anna"), { prefix: "anna%", domain: null });
});

Deno.test("bad filter values give a clear message on the page (400), not an error", async () => {
  await using f = await consoleFixture(MAIL);
  const c = new Client(f.base);
  await c.login();
  const page = await c.page("/folders/all?intent=maybe&since=2026-13-01&classifier=gpt&cursor=x");
  assert.equal(page.status, 400);
  assert.match(page.html, /&quot;Intent&quot; must be one of send_info/);
  assert.match(page.html, /&quot;Since&quot; must be a date like 2026-11-25, not &quot;2026-13-01&quot;/);
  assert.match(page.html, /&quot;Classifier&quot; must be one of rules, llm, offline/);
  assert.match(page.html, /&quot;cursor&quot; must be an email id/);
  assert.doesNotMatch(page.html, /<tbody>/);
  const ok = await c.page("/folders/needs_person?q=%3Cscript%3E&since=2026-01-01");
  assert.equal(ok.status, 200);
  assert.doesNotMatch(ok.html, /value="<script>/);
});

const NONE = parseFilters(new URLSearchParams()).filters;

Deno.test("the dashboard draws mail per day as inline SVG and counts share, backlog and corrections", async () => {
  await using f = await consoleFixture(MAIL);
  const c = new Client(f.base);
  await c.login();
  const id = await emailId(f.t, "<hostile-1@evil.example>");
  await c.act(`/emails/${id}`, `/emails/${id}/correct`, { intent: "unknown" });
  const page = await c.page("/dashboard");
  assert.equal(page.status, 200);
  assert.match(page.html, /<a href="\/dashboard" class="current">Dashboard<\/a>/);
  assert.match(page.html, /<svg viewBox="0 0 760 200"[^>]*role="img" aria-label="Emails per day by intent"/);
  assert.match(page.html, /aria-label="Emails per day by disposition"/);
  const today = new Date().toISOString().slice(0, 10);
  assert.match(page.html, new RegExp(`<title>${today}: 2 send_info</title>`));
  assert.match(page.html, /Emails<\/dt><dd>3 in 14 days \(0 filtered\)/);
  assert.match(page.html, /<strong>33.3 %<\/strong> of the mail that was not filtered \(1 of 3\)/);
  assert.match(
    page.html,
    /Hand-off backlog<\/dt><dd><a href="\/folders\/needs_person">2 waiting<\/a>, the oldest for 0 min/,
  );
  assert.match(
    page.html,
    /<td>speak_to_human<\/td><td class="num">1<\/td><td class="num">0<\/td><td class="num">100 %<\/td><td>unknown<\/td>/,
  );
  assert.doesNotMatch(page.html, /<script/);
  assert.match((await c.page("/dashboard?days=90")).html, /3 in 90 days/);
  assert.match((await c.page("/dashboard?days=abc")).html, /3 in 14 days/);
});

Deno.test("bulk: handled and release on a selection, each email audited; CSRF and bad input refused", async () => {
  await using f = await consoleFixture(MAIL);
  const c = new Client(f.base);
  await c.login();
  const folder = await c.page("/folders/needs_person");
  const ids = [...folder.html.matchAll(/name="id" value="(\d+)"/g)].map((m) => m[1]);
  assert.equal(ids.length, 2);
  assert.match(folder.html, /<form method="post" action="\/bulk" class="bulk">/);
  const noToken = await c.post("/bulk", { action: "handled", id: ids[0] });
  await noToken.body?.cancel();
  assert.equal(noToken.status, 403);
  const form = new URLSearchParams({ csrf: folder.csrf, action: "handled", back: "/folders/needs_person" });
  for (const id of ids) form.append("id", id);
  form.set("note", "weekly sweep");
  const res = await fetch(f.base + "/bulk", {
    method: "POST",
    headers: { cookie: c.cookie, "content-type": "application/x-www-form-urlencoded" },
    body: form,
  });
  const html = await res.text();
  assert.equal(res.status, 200);
  assert.match(html, /handled: 2 of 2 done/);
  assert.match(html, /<a href="\/folders\/needs_person">Back to the folder<\/a>/);
  const { rows } = await f.t.db.query<{ email_id: number; actor: string; action: string; note: string }>(
    "SELECT email_id, actor, action, note FROM audit_log ORDER BY id",
  );
  assert.deepEqual(
    rows,
    ids.map((id) => ({ email_id: Number(id), actor: "password", action: "handled", note: "weekly sweep" })),
  );
  assert.doesNotMatch((await c.page("/folders/needs_person")).html, /name="id"/);
  // Release: the email with a withheld reply is released, the others say why not.
  const { rows: [withheld] } = await f.t.db.query<{ email_id: number }>(
    "SELECT email_id FROM effects WHERE kind = 'reply' AND state = 'suppressed'",
  );
  const all = await c.page("/folders/all");
  const release = new URLSearchParams({ csrf: all.csrf, action: "release" });
  for (const m of all.html.matchAll(/name="id" value="(\d+)"/g)) release.append("id", m[1]);
  const released = await (await fetch(f.base + "/bulk", {
    method: "POST",
    headers: { cookie: c.cookie, "content-type": "application/x-www-form-urlencoded" },
    body: release,
  })).text();
  assert.match(released, /release: 1 of 3 done/);
  assert.match(released, /not done: no withheld reply/);
  assert.match(released, /back to the folder/i);
  const { rows: audit } = await f.t.db.query(
    "SELECT 1 FROM audit_log WHERE action = 'release' AND email_id = $1",
    [
      withheld.email_id,
    ],
  );
  assert.equal(audit.length, 1);
  const bad = await c.post("/bulk", { csrf: all.csrf, action: "delete", id: ids[0] });
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /is not a bulk action/);
  const none = await c.post("/bulk", { csrf: all.csrf, action: "handled" });
  assert.equal(none.status, 400);
  assert.match(await none.text(), /Select at least one email/);
});

Deno.test("bulk: retry failed effects and requeue failed jobs, through the same functions, audited", async () => {
  await using f = await consoleFixture(MAIL);
  const c = new Client(f.base);
  await c.login();
  const id = await emailId(f.t, "<hostile-1@evil.example>");
  // As a delivery and a job that failed for good leave them.
  const { rows: [effect] } = await f.t.db.query<{ id: number }>(
    "UPDATE effects SET state = 'failed', last_error = 'smtp 554' WHERE id = " +
      "(SELECT min(id) FROM effects WHERE email_id = $1) RETURNING id",
    [id],
  );
  await f.t.db.query(
    "UPDATE jobs SET state = 'failed', last_error = 'boom' WHERE kind = 'route' AND (payload ->> 'email_id')::int = $1",
    [id],
  );
  const problems = await c.page("/folders/problems");
  assert.match(problems.html, new RegExp(`name="id" value="${id}"`));
  const run = async (action: string) => {
    const res = await c.post("/bulk", { csrf: problems.csrf, action, id: String(id) });
    return await res.text();
  };
  assert.match(await run("retry"), new RegExp(`retrying effect ${effect.id}`));
  assert.match(await run("requeue"), /requeued job \d+ \(route\)/);
  assert.match(await run("requeue"), /not done: no failed job/);
  const { rows } = await f.t.db.query<{ action: string }>(
    "SELECT action FROM audit_log WHERE email_id = $1 ORDER BY id",
    [id],
  );
  assert.deepEqual(rows.map((r) => r.action), ["retry", "requeue"]);
  const { rows: [after] } = await f.t.db.query<{ state: string }>("SELECT state FROM effects WHERE id = $1", [
    effect.id,
  ]);
  assert.equal(after.state, "pending");
});
