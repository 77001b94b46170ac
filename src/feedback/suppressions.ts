/**
 * A person adds an address to the suppression list or takes one off it: the same functions for the CLI and
 * the console, each in one transaction with its audit row.
 */
import type { Db } from "../db/client.ts";
import { insertAudit } from "../db/console.ts";
import { addSuppression, removeSuppression, type Suppression } from "../db/feedback.ts";
import { normaliseAddress } from "./parse.ts";

/** Thrown for input no action can take; its message says what to fix. */
export class SuppressionInputError extends Error {}

/** The normalised address, or throws {@linkcode SuppressionInputError} when `text` is not one. */
export function addressArgument(text: string): string {
  const address = normaliseAddress(text);
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(address) || address.length > 254) {
    throw new SuppressionInputError(`"${text.slice(0, 100)}" is not an address like name@example.com`);
  }
  return address;
}

/** Suppresses `address` by hand; undefined when it was on the list already (nothing changes then). */
export async function suppressAddress(
  db: Db,
  p: { address: string; actor: string; note?: string | null },
): Promise<Suppression | undefined> {
  const address = addressArgument(p.address);
  const note = p.note?.trim().slice(0, 2000) || null;
  return await db.transaction(async (tx) => {
    const row = await addSuppression(tx, { address, reason: `added by ${p.actor}`, note });
    if (row) {
      await insertAudit(tx, { emailId: null, actor: p.actor, action: "suppress", detail: address, note });
    }
    return row;
  });
}

/** Takes `address` off the list; returns what it was, or undefined when it was not there. */
export async function unsuppressAddress(
  db: Db,
  p: { address: string; actor: string; note?: string | null },
): Promise<Suppression | undefined> {
  const address = addressArgument(p.address);
  return await db.transaction(async (tx) => {
    const row = await removeSuppression(tx, address);
    if (row) {
      await insertAudit(tx, {
        emailId: null,
        actor: p.actor,
        action: "unsuppress",
        detail: `${address} (was: ${row.reason})`,
        note: p.note?.trim().slice(0, 2000) || null,
      });
    }
    return row;
  });
}
