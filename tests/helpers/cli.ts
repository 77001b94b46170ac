/** Runs the CLI (`src/main.ts`) as a child process, as an operator would. */

const MAIN = new URL("../../src/main.ts", import.meta.url).pathname;

/**
 * The V8 flags operators run with (`deno task start`, and `deno task compile` embeds them in the binary):
 * children run with them too, so tests and the memory bench see the product's settings.
 */
export const V8_FLAGS: string = (() => {
  const config = JSON.parse(Deno.readTextFileSync(new URL("../../deno.json", import.meta.url)));
  const flags = String(config.tasks.start).match(/--v8-flags=(\S+)/);
  if (!flags) throw new Error("deno.json: the start task has no --v8-flags");
  return flags[1];
})();

/** Environment for a child: only what the test sets, plus PATH and HOME (no stray configuration). */
export function childEnv(env: Record<string, string>): Record<string, string> {
  return {
    PATH: Deno.env.get("PATH") ?? "",
    HOME: Deno.env.get("HOME") ?? "",
    DENO_DIR: Deno.env.get("DENO_DIR") ?? "",
    LOG_LEVEL: "info",
    // Effects go to a fresh folder, never the working directory; no rate limit slows the tests down.
    OUTBOX_DIR: Deno.makeTempDirSync({ prefix: "outbox-" }),
    SEND_RATE: "1000",
    // Several daemons run at once in some tests: no fixed metrics port unless a test asks for one.
    METRICS_ADDR: "",
    // Likewise no fixed console port (CONSOLE_ADDR default 127.0.0.1:8025).
    CONSOLE_ADDR: "",
    ...env,
  };
}

/** The command line to run the CLI with `args`. */
export function cliCommand(args: string[], env: Record<string, string>, cwd?: string): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", `--v8-flags=${V8_FLAGS}`, MAIN, ...args],
    env: childEnv(env),
    clearEnv: true,
    cwd,
    stdout: "piped",
    stderr: "piped",
  });
}

/** Runs the CLI to the end; returns its exit code and output. */
export async function runCli(
  args: string[],
  env: Record<string, string>,
  cwd?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await cliCommand(args, env, cwd).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Copies the `*.eml` files of `from` into a new folder `to` (created). */
export async function copyEml(from: string, to: string, names?: string[]): Promise<number> {
  await Deno.mkdir(to, { recursive: true });
  let n = 0;
  for await (const e of Deno.readDir(from)) {
    if (!e.isFile || !e.name.endsWith(".eml") || (names && !names.includes(e.name))) continue;
    await Deno.copyFile(`${from}/${e.name}`, `${to}/${e.name}`);
    n++;
  }
  return n;
}
