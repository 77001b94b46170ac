/**
 * The progress line of a worker draining the queue (`run --once`, `ingest`): jobs finished by this worker
 * out of those plus the jobs still open. The total grows while stages enqueue the next ones (a message
 * becomes parse, classify, route and deliver jobs), so the line reads "how far, of what is known now".
 */
import type { Db } from "../db/client.ts";
import { countOpenJobs } from "../db/jobs.ts";
import type { Progress } from "../progress.ts";
import type { Worker } from "./worker.ts";

/** Samples the queue every `everyMs` until stopped; nothing at all when the progress line is off. */
export function watchDrain(
  db: Db,
  worker: Pick<Worker, "counts">,
  progress: Progress,
  everyMs = 500,
): { stop(): Promise<void> } {
  if (!progress.enabled) return { stop: () => Promise.resolve() };
  let stopped = false;
  let pending: Promise<void> | undefined;
  const sample = async () => {
    try {
      const open = await countOpenJobs(db);
      const finished = worker.counts.done + worker.counts.failed;
      if (!stopped) progress.update(finished, finished + open);
    } catch {
      // A progress line is not worth an error: the next sample tries again.
    } finally {
      pending = undefined;
    }
  };
  // One sample at a time: a slow count skips ticks rather than piling queries up.
  const timer = setInterval(() => pending ??= sample(), everyMs);
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await pending;
      progress.end();
    },
  };
}
