/** The console as the configuration sets it up, for the daemon (`run`) and the `console` command. */
import { routeOptions } from "../app.ts";
import type { Config } from "../config.ts";
import type { Db } from "../db/client.ts";
import { log } from "../log.ts";
import { parseProxies, TrustedProxy } from "./proxy.ts";
import { type ConsoleServer, startConsole } from "./server.ts";

const logger = log("console");

/**
 * Starts the console on CONSOLE_ADDR (undefined when it is off) and logs where it is; without a password,
 * the one-time login link too (it opens one session, then is useless; a restart prints a new one).
 */
export async function startConfiguredConsole(config: Config, db: Db): Promise<ConsoleServer | undefined> {
  if (!config.consoleAddr) return undefined;
  const server = startConsole(db, {
    addr: config.consoleAddr,
    baseUrl: config.consoleUrl,
    password: config.consolePassword,
    route: await routeOptions(config),
    trustedProxy: config.consoleTrustedUserHeader
      ? new TrustedProxy(config.consoleTrustedUserHeader, parseProxies(config.consoleTrustedProxies).cidrs)
      : undefined,
  });
  if (server.loginUrl) {
    logger.info("Review console on {url}; no CONSOLE_PASSWORD is set: log in once with {loginUrl}", {
      url: server.url,
      loginUrl: server.loginUrl,
    });
  } else {
    logger.info("Review console on {url}", { url: server.url });
  }
  return server;
}
