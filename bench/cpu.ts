/**
 * CPU time of processes, read from /proc (Linux): where a bench point's CPU went. Elsewhere, or for a
 * PostgreSQL on another host, the figures are null. And a V8 CPU profile of this process, through
 * node:inspector.
 */
import { Session } from "node:inspector";

/** CPU seconds (user + system) of each process group at one moment. */
export interface CpuSnapshot {
  bench: number | null;
  llm: number | null;
  postgres: number | null;
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on every Linux of our kind). */
const TICKS = 100;

/** utime + stime of one process, seconds; null when it is gone or /proc is not there. */
function processCpu(pid: number | string): number | null {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // The command name may hold spaces: fields are counted after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return null;
  }
}

/** Every local process named postgres (the server and its backends), seconds; null without /proc. */
function postgresCpu(): number | null {
  let total = 0;
  try {
    for (const entry of Deno.readDirSync("/proc")) {
      if (!/^\d+$/.test(entry.name)) continue;
      let comm: string;
      try {
        comm = Deno.readTextFileSync(`/proc/${entry.name}/comm`).trim();
      } catch {
        continue;
      }
      if (comm === "postgres") total += processCpu(entry.name) ?? 0;
    }
  } catch {
    return null;
  }
  return total;
}

export function cpuSnapshot(llmPid: number): CpuSnapshot {
  return { bench: processCpu(Deno.pid), llm: processCpu(llmPid), postgres: postgresCpu() };
}

/** Milliseconds of CPU per message, by process group. */
export type CpuPerMessage = CpuSnapshot;

/** Milliseconds of CPU per message between two snapshots, by process group. */
export function cpuMsPerMessage(before: CpuSnapshot, after: CpuSnapshot, messages: number): CpuPerMessage {
  const per = (a: number | null, b: number | null) =>
    a === null || b === null ? null : Math.round(((b - a) * 1000 * 100) / messages) / 100;
  return {
    bench: per(before.bench, after.bench),
    llm: per(before.llm, after.llm),
    postgres: per(before.postgres, after.postgres),
  };
}

/** Starts V8's sampling profiler (every 200 µs); the function returned stops it and gives the profile. */
export async function startCpuProfile(): Promise<() => Promise<unknown>> {
  const session = new Session();
  session.connect();
  const post = (method: string, params: object = {}) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(
        method,
        params,
        (error: unknown, result: unknown) => error ? reject(error) : resolve(result),
      )
    );
  await post("Profiler.enable");
  await post("Profiler.setSamplingInterval", { interval: 200 });
  await post("Profiler.start");
  return async () => {
    const { profile } = await post("Profiler.stop") as { profile: unknown };
    session.disconnect();
    return profile;
  };
}
