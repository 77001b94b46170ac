/**
 * Distinct copies of the dev corpus, as many as a measurement needs: the pattern of tests/helpers/daemon.ts
 * `writeCopies` (a header naming the copy, the Message-ID made unique), produced lazily so that 10,000
 * messages never sit in the bench's memory at once.
 */
import { CORPUS_DIR, loadLabels } from "../tests/helpers/corpus.ts";

/** One message of a copy set. */
export interface CorpusMessage {
  name: string;
  bytes: Uint8Array;
}

/** A corpus file. */
export interface CorpusFile {
  name: string;
  /** Byte i is char code i: exact for any bytes (TextDecoder's "latin1" is windows-1252 and is not). */
  text: string;
}

/** The corpus files; with `humanOnly`, only those labelled not automated. */
export async function loadCorpus(options: { humanOnly?: boolean } = {}): Promise<CorpusFile[]> {
  const human = new Set(loadLabels().filter((l) => !l.automated).map((l) => l.file));
  const names = [...Deno.readDirSync(CORPUS_DIR)].map((e) => e.name)
    .filter((n) => n.endsWith(".eml") && (!options.humanOnly || human.has(n))).sort();
  return await Promise.all(
    names.map(async (name) => {
      const bytes = await Deno.readFile(`${CORPUS_DIR}/${name}`);
      let text = "";
      for (let i = 0; i < bytes.length; i += 8192) {
        text += String.fromCharCode(...bytes.subarray(i, i + 8192));
      }
      return { name, text };
    }),
  );
}

/** Yields `count` distinct messages, cycling through `corpus`. */
export function* copies(corpus: CorpusFile[], count: number): Generator<CorpusMessage> {
  for (let i = 0; i < count; i++) {
    const c = Math.floor(i / corpus.length);
    const original = corpus[i % corpus.length];
    const text = `X-Bench-Copy: ${c}\r\n` +
      original.text.replace(/^(Message-ID:\s*<)/im, `$1bench${c}.`);
    // A plain loop: Uint8Array.from(text, mapFn) took ~11% of the whole end-to-end run's CPU (in the same
    // process as the pipeline it measures).
    const bytes = new Uint8Array(text.length);
    for (let j = 0; j < text.length; j++) bytes[j] = text.charCodeAt(j);
    yield { name: `c${c}-${original.name}`, bytes };
  }
}

/** Writes `count` copies into `dir` (created). */
export async function writeCorpusCopies(corpus: CorpusFile[], dir: string, count: number): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  for (const m of copies(corpus, count)) await Deno.writeFile(`${dir}/${m.name}`, m.bytes);
}
