/**
 * The folder source (`INBOX_DIR`): every `*.eml` file in the folder; after its row is committed it moves to the
 * `processed/` subfolder. The `files` variant reads named files for `ingest` and leaves them where they are.
 *
 * A file's stat and move, and the reading of a small file, are synchronous calls: on a local disk each takes a
 * few microseconds, where an awaited Deno file operation costs ~45 us of the event loop's thread (measured:
 * 40-47 us against 3-5 us for a stat, 42 against 10 for reading a small file), time the daemon's other work
 * waits for. Files over {@linkcode SYNC_READ_BYTES} are read asynchronously.
 *
 * A file is read only once it is complete: its size and mtime must be the same at two looks, the previous
 * poll's or one {@linkcode SETTLE_MS} later. Reading a file as it appeared stored a writer's first 166 of 229
 * bytes, then moved the finished file to `processed/` unread. The safe way to drop a file is still to write it
 * under another name (not `*.eml`, or in another folder of the same file system) and rename it: a rename is
 * atomic, so the file is never seen half-written (README, "Dropping files into INBOX_DIR").
 */
import { basename, dirname, join } from "node:path";
import { type MailSource, type SourceItem, SourceItemGone } from "./source.ts";

/** Watches `dir` for `*.eml` files; `settleMs` is the wait between two looks at a new or changed file. */
export function folderSource(dir: string, options: { settleMs?: number } = {}): MailSource {
  const settleMs = options.settleMs ?? SETTLE_MS;
  const processed = join(dir, "processed");
  const targets = new WeakMap<SourceItem, string>();
  /** Where an item goes in `processed/`, chosen once (the row records it before the move). */
  const target = (item: SourceItem) => {
    let path = targets.get(item);
    if (path === undefined) targets.set(item, path = freeName(processed, item));
    return path;
  };
  /** Size and mtime of each file at the last look. */
  let looks = new Map<string, string>();
  return {
    kind: "folder",
    description: `folder ${dir}`,
    async *list() {
      let entries: Deno.DirEntry[];
      try {
        entries = await Array.fromAsync(Deno.readDir(dir));
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) {
          throw new Error(
            `Cannot read INBOX_DIR ${dir}: the folder does not exist (create it, or set INBOX_DIR)`,
          );
        }
        throw error;
      }
      const names = entries.filter((e) => e.isFile && e.name.toLowerCase().endsWith(".eml")).map((e) =>
        e.name
      );
      const previous = looks;
      looks = new Map();
      const fresh: string[] = [];
      for (const name of names.sort()) {
        const look = statLook(join(dir, name));
        if (look === undefined) continue;
        looks.set(name, look.id);
        if (previous.get(name) === look.id) yield { name, size: look.size, key: undefined };
        else fresh.push(name);
      }
      if (fresh.length === 0) return;
      // New or changed since the last poll: a second look shows whether the writer is done.
      await new Promise((resolve) => setTimeout(resolve, settleMs));
      for (const name of fresh) {
        const look = statLook(join(dir, name));
        if (look === undefined) continue;
        const first = looks.get(name);
        looks.set(name, look.id);
        if (first === look.id) yield { name, size: look.size, key: undefined };
      }
    },
    async read(item) {
      const path = join(dir, item.name);
      let bytes: Uint8Array;
      try {
        bytes = (item.size ?? Infinity) <= SYNC_READ_BYTES
          ? Deno.readFileSync(path)
          : await Deno.readFile(path);
      } catch (error) {
        throw error instanceof Deno.errors.NotFound ? new SourceItemGone(item.name) : error;
      }
      if (item.size !== undefined && bytes.length !== item.size) {
        throw new Error(
          `Cannot read ${item.name}: it changed while it was read (${bytes.length} bytes, listed with ` +
            `${item.size}); left for the next poll`,
        );
      }
      return bytes;
    },
    async open(item) {
      try {
        return (await Deno.open(join(dir, item.name))).readable;
      } catch (error) {
        throw error instanceof Deno.errors.NotFound ? new SourceItemGone(item.name) : error;
      }
    },
    location: (item) => target(item),
    finish(item) {
      try {
        moveFile(join(dir, item.name), target(item));
        return Promise.resolve();
      } catch (error) {
        return Promise.reject(error);
      }
    },
  };
}

/** Files up to this size are read with one synchronous call (~0.1 ms on a local disk). */
const SYNC_READ_BYTES = 256 * 1024;

/**
 * The item's name in `folder`, or, when a file of that name is there already (an earlier message dropped under
 * the same name), the name with the first 16 hex digits of its SHA-256 before the extension: `mail.eml` ->
 * `mail.3f2a….eml`. Replacing the older file lost both messages of the issue when they were oversize (the
 * only copy was that file). The same content under the same name gets the same hashed name, which it may
 * replace: the bytes are identical. Between this look and the move, only another instance moving this very
 * file can take the name (two files of one name are never in the inbox at once).
 */
function freeName(folder: string, item: SourceItem): string {
  const plain = join(folder, item.name);
  if (!exists(plain)) return plain;
  const dot = item.name.lastIndexOf(".");
  const [stem, ext] = dot > 0 ? [item.name.slice(0, dot), item.name.slice(dot)] : [item.name, ""];
  const tag = item.sha256?.slice(0, 16) ?? crypto.randomUUID().slice(0, 8);
  return join(folder, `${stem}.${tag}${ext}`);
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/**
 * Moves `from` to `to` (a free name, see {@linkcode freeName}). The target folder is made on the first
 * NotFound only (one file operation a message, not two); a `from` that is gone was moved by another instance.
 */
function moveFile(from: string, to: string): void {
  for (let tries = 1;; tries++) {
    try {
      return Deno.renameSync(from, to);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      if (tries > 1) return;
      Deno.mkdirSync(dirname(to), { recursive: true });
    }
  }
}

/**
 * Two looks 1 s apart: a writer that pauses longer mid-file can still be caught by them, which is why the
 * README asks for a rename. The daemon's next poll (POLL_INTERVAL, 10 s) is the second look of a file first
 * seen mid-write; this wait only matters to a file first seen at a poll, and to `run --once`.
 */
const SETTLE_MS = 1_000;

/**
 * The size of the file at `path` and an identity of its state (size, mtime, ctime); undefined when it is gone
 * (moved by another instance) or unreadable.
 */
function statLook(path: string): { size: number; id: string } | undefined {
  try {
    const st = Deno.statSync(path);
    return { size: st.size, id: `${st.size}:${st.mtime?.getTime()}:${st.ctime?.getTime()}` };
  } catch {
    return undefined;
  }
}

/** Reads the given files (or the `*.eml` files of given folders) and leaves them in place. */
export function filesSource(paths: string[]): MailSource {
  const full = new Map<string, string>();
  return {
    kind: "files",
    description: `files ${paths.join(", ")}`,
    async *list() {
      for (const path of paths) {
        const stat = await Deno.stat(path);
        const files = stat.isDirectory
          ? (await Array.fromAsync(Deno.readDir(path)))
            .filter((e) => e.isFile && e.name.toLowerCase().endsWith(".eml"))
            .map((e) => join(path, e.name))
            .sort()
          : [path];
        for (const file of files) {
          const name = join(basename(dirname(file)), basename(file));
          full.set(name, file);
          yield { name, size: (await Deno.stat(file)).size, key: undefined };
        }
      }
    },
    read: (item) => Deno.readFile(full.get(item.name)!),
    open: async (item) => (await Deno.open(full.get(item.name)!)).readable,
    location: (item) => full.get(item.name) ?? null,
    finish: () => Promise.resolve(),
  };
}
