/**
 * Distinct copies of the dev corpus, as many as a measurement needs: the pattern of tests/helpers/daemon.ts
 * `writeCopies` (a header naming the copy, the Message-ID made unique or added), produced lazily so that 10,000
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
  bytes: Uint8Array;
  /** Where a copy's marker goes: just after "Message-ID: <" (or at the start when there is none). */
  idAt: number;
}

/** The corpus files; with `humanOnly`, only those labelled not automated. */
export async function loadCorpus(options: { humanOnly?: boolean } = {}): Promise<CorpusFile[]> {
  const human = new Set(loadLabels().filter((l) => !l.automated).map((l) => l.file));
  const names = [...Deno.readDirSync(CORPUS_DIR)].map((e) => e.name)
    .filter((n) => n.endsWith(".eml") && (!options.humanOnly || human.has(n))).sort();
  return await Promise.all(
    names.map(async (name) => {
      const bytes = await Deno.readFile(`${CORPUS_DIR}/${name}`);
      // Latin-1 keeps byte offsets (TextDecoder's "latin1" is windows-1252, also one char a byte).
      const head = new TextDecoder("latin1").decode(bytes.subarray(0, 64 * 1024));
      const m = /^(Message-ID:\s*<)/im.exec(head);
      return { name, bytes, idAt: m ? m.index + m[1].length : -1 };
    }),
  );
}

const ASCII = new TextEncoder();

/**
 * Yields `count` distinct messages, cycling through `corpus`: an `X-Bench-Copy` header first and the
 * Message-ID made unique (or added). Built from bytes: the text-based copies of earlier versions left ~200 MB of
 * garbage strings per 800 messages, collected while the clock ran.
 */
export function* copies(corpus: CorpusFile[], count: number, tag = ""): Generator<CorpusMessage> {
  for (let i = 0; i < count; i++) {
    // `tag` makes a second set in the same schema (bench/history.ts) distinct messages, not duplicates.
    const c = `${tag}${Math.floor(i / corpus.length)}`;
    const original = corpus[i % corpus.length];
    // Without a Message-ID, copies differing only in a header would be one message (src/mail/content_key.ts).
    const header = ASCII.encode(
      `X-Bench-Copy: ${c}\r\n` +
        (original.idAt >= 0 ? "" : `Message-ID: <bench${c}.${original.name}@bench.invalid>\r\n`),
    );
    const marker = original.idAt >= 0 ? ASCII.encode(`bench${c}.`) : new Uint8Array(0);
    const cut = Math.max(0, original.idAt);
    const bytes = new Uint8Array(header.length + original.bytes.length + marker.length);
    bytes.set(header, 0);
    bytes.set(original.bytes.subarray(0, cut), header.length);
    bytes.set(marker, header.length + cut);
    bytes.set(original.bytes.subarray(cut), header.length + cut + marker.length);
    yield { name: `c${c}-${original.name}`, bytes };
  }
}

/** Writes `count` copies into `dir` (created). */
export async function writeCorpusCopies(corpus: CorpusFile[], dir: string, count: number): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  for (const m of copies(corpus, count)) await Deno.writeFile(`${dir}/${m.name}`, m.bytes);
}
