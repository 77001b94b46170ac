/** `suppressions`: the list of addresses no automatic reply goes to, and adding or removing one by hand. */
import type { Db } from "../db/client.ts";
import { insertAudit } from "../db/console.ts";
import { addSuppression, listSuppressions, removeSuppression, type Suppression } from "../db/feedback.ts";
import { normaliseAddress } from "../feedback/parse.ts";

/** A command line that cannot be run as written; its message says what to fix. */
export class SuppressionsUsageError extends Error {}

/** What `suppressions` prints. */
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
    if (options.note !== undefined) throw new SuppressionsUsageError("suppressions: --note goes with add");
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
  const address = normaliseAddress(rest[0]);
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(address)) {
    throw new SuppressionsUsageError(
      `suppressions ${verb}: "${rest[0]}" is not an address like name@example.com`,
    );
  }
  if (options.json) throw new SuppressionsUsageError(`suppressions ${verb} does not take --json`);
  const note = options.note?.slice(0, 2000) ?? null;
  if (verb === "add") {
    return await db.transaction(async (tx) => {
      const row = await addSuppression(tx, { address, reason: `added by ${options.actor}`, note });
      if (!row) return { code: 0, lines: [`${address} is already suppressed`] };
      await insertAudit(tx, {
        emailId: null,
        actor: options.actor,
        action: "suppress",
        detail: address,
        note,
      });
      return { code: 0, lines: [`${address}: suppressed; no automatic reply goes to it`] };
    });
  }
  if (options.note !== undefined) {
    throw new SuppressionsUsageError("suppressions remove does not take --note");
  }
  return await db.transaction(async (tx) => {
    const row = await removeSuppression(tx, address);
    if (!row) return { code: 1, lines: [`${address} is not on the suppression list`] };
    await insertAudit(tx, {
      emailId: null,
      actor: options.actor,
      action: "unsuppress",
      detail: `${address} (was: ${row.reason})`,
      note: null,
    });
    return { code: 0, lines: [`${address}: removed from the suppression list (was: ${row.reason})`] };
  });
}

function formatSuppression(r: Suppression): string {
  return `${r.address}  ${r.source}  since ${r.created_at.toISOString()}  bounces ${r.bounces}  complaints ` +
    `${r.complaints}\n    ${r.reason}${r.note ? `\n    note: ${r.note}` : ""}`;
}
