/**
 * The console in a real Chromium (Debian's `chromium`, driven by puppeteer-core): log in, open Needs a
 * person, open a hostile email (nothing may run or load from elsewhere), correct its intent and see the new
 * route; search and filter a folder, the dashboard's chart, a bulk "handled" on a selection. Skipped, with a message, where no chromium is installed (`.ci/run` installs it).
 */
import assert from "node:assert/strict";
import puppeteer from "puppeteer-core";
import { Client, consoleFixture, emailId, HOSTILE, PASSWORD, question } from "./helpers/console.ts";

function chromiumPath(): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (Deno.statSync(`${dir}/chromium`).isFile) return `${dir}/chromium`;
    } catch { /* not here */ }
  }
  return undefined;
}

const CHROMIUM = chromiumPath();

/** A headless Chromium with a throw-away profile; close it (and remove the profile) in finally. */
async function launch() {
  const profile = await Deno.makeTempDir({ prefix: "chromium-" });
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      `--user-data-dir=${profile}`,
    ],
  });
  return { browser, profile };
}
if (!CHROMIUM) {
  console.warn("console_browser_test: SKIPPED, no chromium on PATH (apt-get install -y chromium)");
}

Deno.test({
  name: "in Chromium: log in, open the hostile email inert, correct its intent and see the new route",
  ignore: !CHROMIUM,
  // puppeteer keeps its WebSocket and child process open between steps; they are closed in finally.
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    await using f = await consoleFixture({ "q1.eml": question(1), "h.eml": HOSTILE });
    const id = await emailId(f.t, "<hostile-1@evil.example>");
    const { browser, profile } = await launch();
    try {
      const page = await browser.newPage();
      await page.setViewport({ width: 1280, height: 900 });
      const dialogs: string[] = [];
      page.on("dialog", async (d) => {
        dialogs.push(d.message());
        await d.dismiss();
      });
      const elsewhere: string[] = [];
      page.on("request", (r) => {
        // data: URLs never leave the machine (Chromium's own date-picker icon is one).
        if (!r.url().startsWith(f.base) && !r.url().startsWith("data:")) elsewhere.push(r.url());
      });
      const blocked: string[] = [];
      page.on("console", (m) => {
        if (/Content Security Policy/i.test(m.text())) blocked.push(m.text());
      });

      await page.goto(`${f.base}/folders/needs_person`);
      assert.ok(page.url().startsWith(`${f.base}/login`), "no session: the login page");
      await page.type("input[name=password]", PASSWORD);
      await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
      assert.equal(page.url(), `${f.base}/folders/needs_person`, "back where it was asked for");
      assert.ok((await page.content()).includes(`href="/emails/${id}"`));
      await page.screenshot({ path: "/tmp/console-needs-person.png" });

      await Promise.all([page.waitForNavigation(), page.click(`a[href="/emails/${id}"]`)]);
      // Give anything that could run a moment to do so.
      await new Promise((r) => setTimeout(r, 500));
      const ran = await page.evaluate(() => ({
        scripts: document.scripts.length,
        images: document.images.length,
        forms: [...document.forms].map((form) => form.getAttribute("action")),
      }));
      assert.deepEqual(dialogs, [], "no dialog fired");
      assert.deepEqual(elsewhere, [], "no request left the console");
      assert.equal(ran.scripts, 0);
      assert.equal(ran.images, 0);
      assert.ok(ran.forms.every((a) => a?.startsWith("/")), `only our own forms: ${ran.forms}`);
      const heading = await page.$eval("h1", (h) => h.textContent);
      assert.match(heading ?? "", /⟨U\+202E⟩gpj\.exe/);
      await page.screenshot({ path: "/tmp/console-hostile-email.png", fullPage: false });

      await page.select("select[name=intent]", "unknown");
      await Promise.all([page.waitForNavigation(), page.click("form[action$='/correct'] button")]);
      assert.equal(page.url(), `${f.base}/emails/${id}?done=corrected`);
      await f.drain();
      await page.reload();
      const text = await page.$eval("main", (m) => m.textContent ?? "");
      assert.match(text, /Intent corrected/);
      assert.match(text, /triage\.c1/, "the new route: a triage hand-off");
      assert.match(text, /speak_to_human → unknown/, "the audit trail");
      await page.screenshot({ path: "/tmp/console-corrected.png", fullPage: true });
      assert.deepEqual(dialogs, []);
      assert.deepEqual(elsewhere, []);

      // A form posted with the browser's session but without its CSRF token: refused.
      const forger = new Client(f.base);
      const cookie = (await browser.cookies()).find((c) => c.name === "sdb_session")!;
      assert.equal(cookie.httpOnly, true);
      assert.equal(cookie.sameSite, "Strict");
      forger.cookie = `${cookie.name}=${cookie.value}`;
      const forged = await forger.post(`/emails/${id}/handled`, { note: "forged" });
      await forged.body?.cancel();
      assert.equal(forged.status, 403);
    } finally {
      await browser.close();
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test({
  name: "in Chromium: search a folder, see the dashboard's chart, mark a selection handled at once",
  ignore: !CHROMIUM,
  // As above: puppeteer's WebSocket and the browser process live across steps and are closed in finally.
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const mail: Record<string, string> = { "h.eml": HOSTILE };
    for (let n = 1; n <= 8; n++) mail[`q${n}.eml`] = question(n, `anna${n % 3}@customer${n % 2}.example`);
    await using f = await consoleFixture(mail);
    // Spread the mail over the last week, so that the chart has days to show.
    await f.t.db.query("UPDATE emails SET received_at = now() - (id % 7) * interval '1 day'");
    const { browser, profile } = await launch();
    try {
      const page = await browser.newPage();
      await page.setViewport({ width: 1280, height: 900 });
      const dialogs: string[] = [];
      page.on("dialog", async (d) => {
        dialogs.push(d.message());
        await d.dismiss();
      });
      await page.goto(`${f.base}/login`);
      await page.type("input[name=password]", PASSWORD);
      await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);

      // Search: the From filter by domain, then words of the text.
      await page.goto(`${f.base}/folders/all`);
      await page.type("input[name=from]", "@customer1.example");
      await Promise.all([page.waitForNavigation(), page.click("form.search button[type=submit]")]);
      assert.match(page.url(), /from=%40customer1\.example/);
      const senders = await page.$$eval(
        "tbody td.untrusted:nth-child(4)",
        (tds) => tds.map((t) => t.textContent),
      );
      assert.equal(senders.length, 4);
      assert.ok(senders.every((s) => s?.includes("@customer1.example")), senders.join(", "));
      await page.goto(`${f.base}/folders/all?q=overlay`);
      assert.equal((await page.$$("tbody tr")).length, 1, "a word only the hostile email has");
      await page.goto(`${f.base}/folders/all?since=not-a-date`);
      assert.match(await page.$eval("main", (m) => m.textContent ?? ""), /"Since" must be a date/);

      // A correction, which the dashboard counts.
      const hostile = await emailId(f.t, "<hostile-1@evil.example>");
      await page.goto(`${f.base}/emails/${hostile}`);
      await page.select("select[name=intent]", "unknown");
      await Promise.all([page.waitForNavigation(), page.click("form[action$='/correct'] button")]);

      // The dashboard: two inline SVG charts with bars, no script.
      await Promise.all([page.waitForNavigation(), page.click('a[href="/dashboard"]')]);
      const chart = await page.evaluate(() => ({
        charts: document.querySelectorAll("figure.chart svg[role=img]").length,
        bars: document.querySelectorAll("figure.chart rect title").length,
        scripts: document.scripts.length,
      }));
      assert.equal(chart.charts, 2);
      assert.ok(chart.bars >= 4, `bars: ${chart.bars}`);
      assert.equal(chart.scripts, 0);
      assert.match(await page.$eval("table.corrections", (t) => t.textContent ?? ""), /speak_to_human1/);
      await page.screenshot({ path: "/tmp/console-dashboard.png", fullPage: true });

      // Bulk: select every email of Needs a person and mark them handled at once.
      await page.goto(`${f.base}/folders/needs_person`);
      const boxes = await page.$$("input[name=id]");
      assert.ok(boxes.length >= 1);
      for (const b of boxes) await b.click();
      await page.screenshot({ path: "/tmp/console-bulk.png" });
      await Promise.all([page.waitForNavigation(), page.click("button[name=action][value=handled]")]);
      const result = await page.$eval("h1", (h) => h.textContent ?? "");
      assert.equal(result, `handled: ${boxes.length} of ${boxes.length} done`);
      await page.goto(`${f.base}/folders/needs_person`);
      assert.equal((await page.$$("input[name=id]")).length, 0, "they left Needs a person");
      const { rows } = await f.t.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM audit_log WHERE action = 'handled' AND actor = 'password'",
      );
      assert.equal(rows[0].n, boxes.length, "each email audited");
      assert.deepEqual(dialogs, []);
    } finally {
      await browser.close();
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    }
  },
});
