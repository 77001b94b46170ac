/**
 * The one middleware in front of every console route (STYLE habit 13): security headers on every response
 * (errors included), a session for everything but the login page and the style sheet (else a redirect to
 * /login for a page, 401 for anything else), and a valid CSRF token on every POST but /login (else 403).
 * Routes get the session and the parsed form; they never check any of this themselves.
 */
import type { Queryable } from "../db/client.ts";
import { errorText, log } from "../log.ts";
import { openSession, readSession, sameSecret, type Session } from "./auth.ts";
import type { TrustedProxy } from "./proxy.ts";

const logger = log("console");

/**
 * Nothing but our own style sheet, images from ourselves, forms to ourselves; no scripts at all, no frames,
 * no <base>. Mail is hostile: even if markup slipped through, it could not run or send anything away.
 */
export const CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'";

/** Headers every response carries. */
export const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  // Pages show mail: no cache keeps them after logout.
  "cache-control": "no-store",
};

/** Paths reachable without a session. */
const PUBLIC = new Set(["/login", "/static/console.css"]);
/** A console form is a few fields; a larger body is refused before it is read. */
const MAX_FORM_BYTES = 64 * 1024;

/** What a route gets. */
export interface RouteContext {
  url: URL;
  /** Null only on public paths. */
  session: Session | null;
  /** The POST form's fields (CSRF checked). */
  form: URLSearchParams;
  /** The client's address (login rate limit). */
  client: string;
}

/** A route handler. */
export type Route = (req: Request, ctx: RouteContext) => Promise<Response> | Response;

/** Options of {@linkcode secured}. */
export interface SecuredOptions {
  /** A reverse proxy whose user header logs people in (CONSOLE_TRUSTED_USER_HEADER / _PROXIES). */
  proxy?: TrustedProxy;
  /** Cookies are Secure. */
  secure?: boolean;
}

/** Wraps the router with the security middleware. */
export function secured(db: Queryable, router: Route, options: SecuredOptions = {}) {
  return async (req: Request, info: { remoteAddr: Deno.NetAddr | Deno.Addr }): Promise<Response> => {
    let res: Response;
    try {
      const client = "hostname" in info.remoteAddr ? info.remoteAddr.hostname : "local";
      res = await guard(db, router, req, client, options);
    } catch (error) {
      logger.error("Console request failed: {error}", {
        error: errorText(error),
        path: new URL(req.url).pathname,
      });
      res = text("Something went wrong; the log has the details.\n", 500);
    }
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.headers.set(k, v);
    return res;
  };
}

async function guard(
  db: Queryable,
  router: Route,
  req: Request,
  client: string,
  options: SecuredOptions,
): Promise<Response> {
  const url = new URL(req.url);
  if (req.method !== "GET" && req.method !== "HEAD" && req.method !== "POST") {
    return text("Method not allowed\n", 405);
  }
  let session = await readSession(db, req);
  // The trusted proxy's user: their own session (a new one, with a new CSRF token, when the cookie's is
  // someone else's or none: a POST then fails the CSRF check below, as it must).
  const proxied = options.proxy?.userOf(req, client) ?? null;
  let setCookie: string | null = null;
  if (proxied !== null && session?.user !== proxied) {
    const opened = await openSession(db, proxied, { secure: options.secure ?? false });
    session = opened.session;
    setCookie = opened.cookie;
    logger.info("Console session opened for {user} by the trusted proxy", { user: proxied });
  }
  const res = await checked(router, req, { url, session, client });
  if (setCookie) res.headers.append("set-cookie", setCookie);
  return res;
}

async function checked(
  router: Route,
  req: Request,
  { url, session, client }: { url: URL; session: Session | null; client: string },
): Promise<Response> {
  if (!session && !PUBLIC.has(url.pathname)) {
    if (req.method === "POST") return text("Log in first.\n", 401);
    const next = url.pathname + url.search;
    return redirect(`/login?${new URLSearchParams({ next })}`);
  }
  let form = new URLSearchParams();
  if (req.method === "POST") {
    const length = Number(req.headers.get("content-length") ?? "0");
    if (length > MAX_FORM_BYTES) return text("Form too large\n", 413);
    const body = await req.text();
    if (body.length > MAX_FORM_BYTES) return text("Form too large\n", 413);
    form = new URLSearchParams(body);
    if (url.pathname !== "/login") {
      const token = form.get("csrf") ?? "";
      if (!session || !sameSecret(token, session.csrf)) {
        return text("Forbidden: missing or wrong CSRF token. Reload the page and try again.\n", 403);
      }
    }
  }
  return await router(req, { url, session, form, client });
}

/** A plain-text response. */
export function text(body: string, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { "content-type": "text/plain; charset=utf-8", ...headers } });
}

/** A 303 to a path of ours. */
export function redirect(location: string, headers: Record<string, string> = {}): Response {
  return new Response(null, { status: 303, headers: { location, ...headers } });
}
