/** The labelled dev corpus in `../shared/corpus/dev` (beside the repository, as in CI). */

/** Absolute path of the dev corpus folder. */
export const CORPUS_DIR = new URL("../../../shared/corpus/dev/", import.meta.url).pathname;

/** One line of `labels.jsonl` (spec: `../shared/corpus/README.md`). */
export interface Label {
  file: string;
  intent: "send_info" | "create_account" | "unknown" | "speak_to_human" | "reserved";
  acceptable: string[];
  automated: boolean;
  auto_reply_ok: boolean;
  lang: string;
  notes: string;
}

/** Reads `labels.jsonl` of a corpus folder. */
export function loadLabels(dir = CORPUS_DIR): Label[] {
  return Deno.readTextFileSync(`${dir}/labels.jsonl`).split("\n").filter((l) => l.trim()).map((l) =>
    JSON.parse(l)
  );
}

/** File names of every `*.eml` in a corpus folder, sorted. */
export function corpusFiles(dir = CORPUS_DIR): string[] {
  return [...Deno.readDirSync(dir)].filter((e) => e.isFile && e.name.endsWith(".eml")).map((e) => e.name)
    .sort();
}
