/** A daemon child process whose JSON-lines log can be awaited line by line. */
import { cliCommand } from "./cli.ts";

/** A running `ses-daemon-bot run` process. */
export interface DaemonProcess {
  child: Deno.ChildProcess;
  /** Every log line so far, parsed. */
  lines: Record<string, unknown>[];
  /** Resolves when `count` lines whose message matches `pattern` have been logged. */
  waitFor(pattern: RegExp, count?: number, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code. */
  exited: Promise<number>;
}

/** Starts `run` (plus `args`) with `env`. */
export function startDaemon(env: Record<string, string>, args: string[] = []): DaemonProcess {
  const child = cliCommand(["run", ...args], env).spawn();
  const lines: Record<string, unknown>[] = [];
  const waiters: { pattern: RegExp; count: number; resolve: () => void }[] = [];
  const matches = (pattern: RegExp) => lines.filter((l) => pattern.test(String(l.message))).length;
  const check = () => {
    for (const w of [...waiters]) {
      if (matches(w.pattern) >= w.count) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  const reading = (async () => {
    let buffer = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        try {
          lines.push(JSON.parse(line));
        } catch {
          lines.push({ message: line });
        }
      }
      check();
    }
  })();
  const stderr = new Response(child.stderr).text();
  const exited = Promise.all([child.status, reading, stderr]).then(([s, , err]) => {
    if (err.trim()) lines.push({ message: `stderr: ${err}` });
    return s.code;
  });
  return {
    child,
    lines,
    exited,
    waitFor(pattern, count = 1, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`timed out waiting for ${count}× ${pattern}; last lines:\n${tail(lines)}`)),
          timeoutMs,
        );
        waiters.push({ pattern, count, resolve: () => (clearTimeout(timer), resolve()) });
        check();
        exited.then(() => {
          if (matches(pattern) < count) {
            clearTimeout(timer);
            reject(new Error(`daemon exited before ${count}× ${pattern}; last lines:\n${tail(lines)}`));
          }
        });
      });
    },
  };
}

function tail(lines: Record<string, unknown>[]): string {
  return lines.slice(-8).map((l) => JSON.stringify(l)).join("\n");
}

/**
 * Writes `copies` distinct variants of every corpus message into `dir` (Message-IDs made unique per copy, or
 * added where there is none, and an extra header). Returns how many files were written.
 */
export async function writeCopies(corpusDir: string, dir: string, copies: number): Promise<number> {
  await Deno.mkdir(dir, { recursive: true });
  let n = 0;
  for await (const e of Deno.readDir(corpusDir)) {
    if (!e.name.endsWith(".eml")) continue;
    const text = new TextDecoder("latin1").decode(await Deno.readFile(`${corpusDir}/${e.name}`));
    for (let c = 0; c < copies; c++) {
      // A message without a Message-ID gets one: copies differing only in an extra header are one message
      // (src/mail/content_key.ts), where these must be distinct.
      const variant = `X-Test-Copy: ${c}\r\n` +
        (/^Message-ID:/im.test(text)
          ? text.replace(/^(Message-ID:\s*<)/im, `$1copy${c}.`)
          : `Message-ID: <copy${c}.${e.name}@test.invalid>\r\n` + text);
      await Deno.writeFile(`${dir}/c${c}-${e.name}`, Uint8Array.from(variant, (ch) => ch.charCodeAt(0)));
      n++;
    }
  }
  return n;
}
