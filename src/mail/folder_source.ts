/**
 * The folder source (`INBOX_DIR`): every `*.eml` file in the folder; after its row is committed it moves to the
 * `processed/` subfolder. The `files` variant reads named files for `ingest` and leaves them where they are.
 */
import { basename, dirname, join } from "node:path";
import { type MailSource, type SourceItem, SourceItemGone } from "./source.ts";

/** Watches `dir` for `*.eml` files. */
export function folderSource(dir: string): MailSource {
  const processed = join(dir, "processed");
  const target = (item: SourceItem) => join(processed, item.name);
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
      for (const name of names.sort()) {
        const path = join(dir, name);
        const size = await Deno.stat(path).then((s) => s.size, () => undefined);
        if (size !== undefined) yield { name, size, key: undefined };
      }
    },
    read: (item) =>
      Deno.readFile(join(dir, item.name)).catch((error) => {
        throw error instanceof Deno.errors.NotFound ? new SourceItemGone(item.name) : error;
      }),
    location: (item) => target(item),
    async finish(item) {
      // rename() replaces an older file of the same name in processed/: its content is in the database.
      // processed/ is made on the first NotFound only (one file operation a message, not two).
      for (let tries = 1;; tries++) {
        try {
          return await Deno.rename(join(dir, item.name), target(item));
        } catch (error) {
          if (!(error instanceof Deno.errors.NotFound)) throw error;
          if (tries > 1) return; // another instance moved it first
          await Deno.mkdir(processed, { recursive: true });
        }
      }
    },
  };
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
    location: (item) => full.get(item.name) ?? null,
    finish: () => Promise.resolve(),
  };
}
