/**
 * The review console's HTTP server: the security middleware (security.ts) in front of the router
 * (routes.tsx). Served by the daemon next to its metrics listener, or alone by the `console` command.
 */
import type { RouteOptions } from "../act/route_job.ts";
import type { Db } from "../db/client.ts";
import { LoginGate, LoginLimiter } from "./auth.ts";
import { consoleRouter } from "./routes.tsx";
import type { TrustedProxy } from "./proxy.ts";
import { secured } from "./security.ts";

/** Options of {@linkcode startConsole}. */
export interface ConsoleOptions {
  /** host:port to listen on (port 0: any free port). */
  addr: string;
  /** The public base URL (CONSOLE_URL); default http://<the address listened on>. */
  baseUrl?: string;
  /** The shared password; without one, a one-time login link is made. */
  password?: string;
  route: RouteOptions;
  limiter?: LoginLimiter;
  /** A trusted reverse proxy's user header and addresses (CONSOLE_TRUSTED_USER_HEADER / _PROXIES). */
  trustedProxy?: TrustedProxy;
}

/** A running console. */
export interface ConsoleServer {
  addr: Deno.NetAddr;
  /** The base URL links use. */
  url: string;
  /** The one-time login link (only without a password); print it for the operator. */
  loginUrl: string | null;
  shutdown(): Promise<void>;
}

/** Starts the console on `options.addr`. */
export function startConsole(db: Db, options: ConsoleOptions): ConsoleServer {
  const i = options.addr.lastIndexOf(":");
  const gate = new LoginGate(options.password);
  const secure = options.baseUrl?.startsWith("https:") ?? false;
  const server = Deno.serve(
    { hostname: options.addr.slice(0, i), port: Number(options.addr.slice(i + 1)), onListen: () => {} },
    secured(
      db,
      consoleRouter({
        db,
        gate,
        limiter: options.limiter ?? new LoginLimiter(),
        secure,
        route: options.route,
      }),
      { proxy: options.trustedProxy, secure },
    ),
  );
  const { hostname, port } = server.addr;
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  const url = options.baseUrl ?? `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`;
  return {
    addr: server.addr,
    url,
    loginUrl: gate.token === null ? null : `${url}/login?${new URLSearchParams({ token: gate.token })}`,
    shutdown: () => server.shutdown(),
  };
}
