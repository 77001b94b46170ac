/**
 * `correct`, `handled` and `release`: the console's actions for scripts, through the same functions
 * (src/review/actions.ts), so the two cannot drift apart. Audited as `cli:<os user>`.
 */
import { routeOptions } from "../app.ts";
import type { Config } from "../config.ts";
import type { Db } from "../db/client.ts";
import { ActionError, cliActor, correctIntent, markHandled, releaseReply } from "../review/actions.ts";
import { UsageError } from "./usage.ts";

/** A review command's name. */
export type ReviewCommand = "correct" | "handled" | "release";

/** Parses an id argument, or says what to type instead. */
function parseId(command: string, text: string | undefined, what: string): number {
  if (!text || !/^\d{1,15}$/.test(text)) {
    throw new UsageError(
      `${command}: "${text ?? ""}" is not ${what} (a number, as the console's pages and 'status' show it); ` +
        `see '${command} --help'`,
    );
  }
  return Number(text);
}

/** Checks a review command's arguments before any database is opened. */
export function checkReviewArgs(command: ReviewCommand, args: string[]): void {
  if (command === "correct") {
    if (args.length !== 2) {
      throw new UsageError(
        "correct needs ID and INTENT, e.g. 'correct 42 speak_to_human'; see 'correct --help'",
      );
    }
    parseId(command, args[0], "an email id");
  } else if (command === "handled") {
    if (args.length === 0) throw new UsageError("handled needs one or more email IDs, e.g. 'handled 42 43'");
    for (const a of args) parseId(command, a, "an email id");
  } else {
    if (args.length !== 1) {
      throw new UsageError("release needs one effect ID ('effects --state suppressed' lists them)");
    }
    parseId(command, args[0], "an effect id");
  }
}

/** Runs a review command; returns the exit code (1 when an action could not be done). */
export async function runReview(
  command: ReviewCommand,
  config: Config,
  db: Db,
  p: { args: string[]; note?: string },
): Promise<number> {
  checkReviewArgs(command, p.args);
  const actor = cliActor();
  const { args, note } = p;
  if (command === "handled") {
    let failed = 0;
    for (const text of args) {
      try {
        const done = await markHandled(db, { emailId: Number(text), actor, note });
        console.log(done ? `email ${text}: handled` : `email ${text}: was handled already`);
      } catch (error) {
        if (!(error instanceof ActionError)) throw error;
        console.error(`handled: ${error.message}`);
        failed++;
      }
    }
    return failed > 0 ? 1 : 0;
  }
  try {
    if (command === "correct") {
      const r = await correctIntent(db, {
        emailId: Number(args[0]),
        intent: args[1],
        actor,
        note,
        route: await routeOptions(config),
      });
      console.log(
        r.changed
          ? `email ${args[0]}: ${r.previous} → ${r.intent}; routed: ${
            r.effects.map((f) => `${f.purpose} (${f.state}${f.reason ? `: ${f.reason}` : ""})`).join(", ") ||
            "nothing to do"
          }`
          : `email ${args[0]}: ${r.intent} confirmed`,
      );
    } else {
      const r = await releaseReply(db, {
        effectId: Number(args[0]),
        actor,
        note,
        jobMaxAttempts: config.jobMaxAttempts,
      });
      console.log(`effect ${args[0]} of email ${r.emailId}: released; 'run' (or 'ingest') delivers it`);
    }
    return 0;
  } catch (error) {
    if (!(error instanceof ActionError)) throw error;
    console.error(`${command}: ${error.message}`);
    return 1;
  }
}
