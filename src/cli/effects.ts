/** `effects`: the outbox, for the people who answer mail: what was sent, what failed, what was withheld. */
import type { Db } from "../db/client.ts";
import { type EffectState, listEffects, retryFailedEffects } from "../db/effects.ts";
import { DELIVER_JOB } from "../act/route_job.ts";
import { requeueEffectJobs } from "../db/jobs.ts";

/** Lists effects in a state (default failed) as text or JSON lines. */
export async function printEffects(db: Db, options: { state: EffectState; json: boolean }): Promise<void> {
  const rows = await listEffects(db, { state: options.state, limit: 100 });
  if (options.json) {
    for (const r of rows) console.log(JSON.stringify(r));
    return;
  }
  if (rows.length === 0) {
    console.log(`no ${options.state} effects`);
    return;
  }
  for (const r of rows) {
    console.log(
      `effect ${r.id}  email ${r.email_id}  ${r.kind}/${r.purpose}  ${r.state} after ${r.attempts} attempt(s)` +
        `  ${r.updated_at.toISOString()}\n    ${r.subject ?? "(no subject)"}` +
        (r.last_error ? `\n    ${r.last_error}` : ""),
    );
  }
  if (options.state === "failed") console.log("retry with: ses-daemon-bot effects retry ID… (or --all)");
}

/**
 * Returns failed effects to the outbox and makes their deliver jobs runnable, in one transaction. Returns the
 * retried ids; throws (and changes nothing) when a delivery could not be queued for each.
 */
export async function retryEffects(
  db: Db,
  options: { ids: number[]; all: boolean; maxAttempts?: number },
): Promise<number[]> {
  return await db.transaction(async (tx) => {
    const ids = await retryFailedEffects(tx, options);
    if (ids.length === 0) return ids;
    const jobs = await requeueEffectJobs(tx, {
      effectIds: ids,
      kind: DELIVER_JOB,
      maxAttempts: options.maxAttempts ?? 5,
    });
    if (jobs.length !== ids.length) {
      throw new Error(
        `Cannot retry effects: queued ${jobs.length} deliveries for ${ids.length} effects; nothing changed`,
      );
    }
    return ids;
  });
}
