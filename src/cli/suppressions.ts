/** `suppressions`: the list of addresses no automatic reply goes to, and adding or removing one by hand. */
import type { Db } from "../db/client.ts";
import { listSuppressions, type Suppression } from "../db/feedback.ts";
import {
  addressArgument,
  suppressAddress,
  SuppressionInputError,
  unsuppressAddress,
} from "../feedback/suppressions.ts";

/** A command line that cannot be run as written; its message says what to fix. */
export class SuppressionsUsageError extends Error {}

/** What `suppressions` prints: lines for stdout (exit 0) or stderr (exit 1). */
export interface SuppressionsOutput {
  code: number;
  lines: string[];
}

/** Runs `suppressions [--json]`, `suppressions add ADDRESS [--note TEXT]`, `suppressions remove ADDRESS`. */
export async function suppressionsCommand(
  db: Db,
  args: string[],
  options: { json: boolean; note?: string; actor: string },
): Promise<SuppressionsOutput> {
  const [verb, ...rest] = args;
  if (verb === undefined) {
    if (options.note !== undefined) {
      throw new SuppressionsUsageError("suppressions: --note goes with 'suppressions add ADDRESS'");
    }
    const rows = await listSuppressions(db, 10_000);
    if (options.json) return { code: 0, lines: rows.map((r) => JSON.stringify(r)) };
    if (rows.length === 0) return { code: 0, lines: ["no suppressed addresses"] };
    return { code: 0, lines: rows.map(formatSuppression) };
  }
  if (verb !== "add" && verb !== "remove") {
    throw new SuppressionsUsageError(
      `suppressions: unknown argument "${verb}"; use 'suppressions', 'suppressions add ADDRESS' or ` +
        "'suppressions remove ADDRESS'",
    );
  }
  if (rest.length !== 1) throw new SuppressionsUsageError(`suppressions ${verb} needs one ADDRESS`);
  if (options.json) throw new SuppressionsUsageError(`suppressions ${verb} does not take --json`);
  if (verb === "remove" && options.note !== undefined) {
    throw new SuppressionsUsageError("suppressions remove does not take --note");
  }
  let address: string;
  try {
    address = addressArgument(rest[0]);
  } catch (error) {
    if (error instanceof SuppressionInputError) {
      throw new SuppressionsUsageError(`suppressions ${verb}: ${error.message}`);
    }
    throw error;
  }
  const p = { address, actor: options.actor, note: options.note };
  if (verb === "add") {
    const row = await suppressAddress(db, p);
    return {
      code: 0,
      lines: [
        row ? `${address}: suppressed; no automatic reply goes to it` : `${address} is already suppressed`,
      ],
    };
  }
  const row = await unsuppressAddress(db, p);
  return row
    ? { code: 0, lines: [`${address}: removed from the suppression list (was: ${row.reason})`] }
    : { code: 1, lines: [`${address} is not on the suppression list`] };
}

function formatSuppression(r: Suppression): string {
  return `${r.address}  ${r.source}  since ${r.created_at.toISOString()}  bounces ${r.bounces}  complaints ` +
    `${r.complaints}\n    ${r.reason}${r.note ? `\n    note: ${r.note}` : ""}`;
}
