/**
 * Who may use the console. Sessions: a random 256-bit id in an HttpOnly, SameSite=Strict cookie (Secure
 * behind https), stored in the database as its SHA-256 (a `console` process and a restarted daemon share
 * them; a copy of the table opens none), each with its own CSRF token, expiring after SESSION_TTL_S. A login
 * is the shared password (CONSOLE_PASSWORD), or, when none is set, a one-time token printed at start
 * (as Jupyter does): exchanged once for a session, then useless. Failed logins are rate-limited per client.
 */
import { timingSafeEqual } from "node:crypto";
import type { Queryable } from "../db/client.ts";
import { createSession, deleteSession, getSession } from "../db/console.ts";

/** A session lives 12 hours: a working day, after which a person logs in again. */
export const SESSION_TTL_S = 12 * 3600;
/** The session cookie's name. */
export const SESSION_COOKIE = "sdb_session";

/** A logged-in person. */
export interface Session {
  /** Who acts, for the audit trail: "password", "token" (or a proxy's user, later). */
  user: string;
  csrf: string;
  idHash: string;
}

/** 32 random bytes, base64url (43 characters). */
export function randomToken(): string {
  return crypto.getRandomValues(new Uint8Array(32)).toBase64({ alphabet: "base64url", omitPadding: true });
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return new Uint8Array(digest).toHex();
}

/** Compares two secrets in constant time (for equal lengths; the length itself is not secret). */
export function sameSecret(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Opens a session for `user`; returns the cookie header value to set. */
export async function openSession(
  db: Queryable,
  user: string,
  options: { secure: boolean },
): Promise<{ cookie: string; session: Session }> {
  const id = randomToken();
  const idHash = await sha256(id);
  const csrf = randomToken();
  await createSession(db, { idHash, userName: user, csrfToken: csrf, ttlSeconds: SESSION_TTL_S });
  const cookie = `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_TTL_S}` +
    (options.secure ? "; Secure" : "");
  return { cookie, session: { user, csrf, idHash } };
}

/** The session of a request's cookie, or null. */
export async function readSession(db: Queryable, req: Request): Promise<Session | null> {
  const id = cookieValue(req.headers.get("cookie"), SESSION_COOKIE);
  // A session id is 43 base64url characters; anything else is not looked up.
  if (!id || !/^[A-Za-z0-9_-]{43}$/.test(id)) return null;
  const idHash = await sha256(id);
  const row = await getSession(db, idHash);
  return row ? { user: row.user_name, csrf: row.csrf_token, idHash } : null;
}

/** Ends a session; returns the cookie header value that removes it. */
export async function closeSession(db: Queryable, session: Session, options: { secure: boolean }) {
  await deleteSession(db, session.idHash);
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0` +
    (options.secure ? "; Secure" : "");
}

function cookieValue(header: string | null, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** How logins are checked: the shared password, or the one-time token. */
export class LoginGate {
  #token: string | null;
  constructor(readonly password: string | undefined) {
    this.#token = password === undefined ? randomToken() : null;
  }

  /** The one-time token while unused (only without a password). */
  get token(): string | null {
    return this.#token;
  }

  /** The user a password or token logs in as, or null; a token works once. */
  check(form: { password?: string; token?: string }): string | null {
    if (
      this.password !== undefined && form.password !== undefined && sameSecret(form.password, this.password)
    ) {
      return "password";
    }
    if (this.#token !== null && form.token !== undefined && sameSecret(form.token, this.#token)) {
      this.#token = null;
      return "token";
    }
    return null;
  }
}

/**
 * Failed logins per client: at most `max` in `windowMs`, then 429 until the oldest leaves the window. At most
 * 10,000 clients are tracked (a flood of addresses cannot grow it without bound; the oldest are dropped).
 */
export class LoginLimiter {
  #failures = new Map<string, number[]>();
  constructor(readonly max = 10, readonly windowMs = 15 * 60_000, readonly now: () => number = Date.now) {}

  /** Milliseconds until `client` may try again; 0 when it may now. */
  retryAfterMs(client: string): number {
    const recent = this.#recent(client);
    return recent.length < this.max ? 0 : recent[0] + this.windowMs - this.now();
  }

  /** Records a failed login. */
  fail(client: string): void {
    const recent = this.#recent(client);
    recent.push(this.now());
    this.#failures.delete(client);
    this.#failures.set(client, recent);
    if (this.#failures.size > 10_000) this.#failures.delete(this.#failures.keys().next().value!);
  }

  #recent(client: string): number[] {
    const since = this.now() - this.windowMs;
    return (this.#failures.get(client) ?? []).filter((t) => t > since);
  }
}
