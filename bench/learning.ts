/**
 * Learning from people, measured on the dev corpus: teach with one half (its labels as corrections: the
 * examples `list_examples.sql` would give, built by the same `exampleOf`) and score the other, both ways, with
 * the offline classifier; lenient accuracy on human mail with and without what was learned. The corpus is only
 * read. Standalone: `deno run -A bench/learning.ts [DIR] [--json] [--memory]`; also `deno task bench --only
 * learning`. By default the labels go through PostgreSQL (TEST_DATABASE_URL) as corrections; `--memory`
 * builds the same examples without it.
 */
import { basename, join } from "node:path";
import { decide, type DecideInput } from "../src/classify/decide.ts";
import { type EvalRow, evaluate, type Label } from "../src/classify/eval.ts";
import { isIntent } from "../src/classify/intents.ts";
import { type Example, nearest } from "../src/learn/neighbours.ts";
import { exampleOf } from "../src/learn/store.ts";
import { parseEmail } from "../src/mail/parse.ts";
import { routeOptions } from "../src/app.ts";
import { loadConfig } from "../src/config.ts";
import { loadLearned } from "../src/learn/store.ts";
import { folderSource } from "../src/mail/folder_source.ts";
import { correctIntent } from "../src/review/actions.ts";
import { testDb } from "../tests/helpers/db.ts";
import { emailsByFile, ingestAll } from "../tests/helpers/ingest.ts";

/** One direction of the split. */
export interface LearningHalf {
  taught: number;
  scored_human: number;
  lenient_without: number;
  lenient_with: number;
  /** Decisions the examples changed, and how many of those became right or wrong. */
  changed: number;
  fixed: number;
  broken: number;
  /** Plain nearest neighbour (the most similar taught example decides, no gate), for comparison. */
  lenient_nearest_only: number;
  /** The highest similarity of a scored email to a taught one (the gate opens at 0.6). */
  max_similarity: number;
}

/** The figures of {@linkcode measureLearning}. */
export interface LearningReport {
  halves: LearningHalf[];
  lenient_without: number;
  lenient_with: number;
}

const OWN_ADDRESSES = [
  "hello@frflashy.com",
  "info@frflashy.com",
  "support@frflashy.com",
  "sales@frflashy.com",
];

interface Loaded {
  label: Label;
  mail: DecideInput;
  example: Example;
}

async function load(dir: string): Promise<Loaded[]> {
  const labels: Label[] = (await Deno.readTextFile(join(dir, "labels.jsonl"))).split("\n")
    .filter((l) => l.trim()).map((l) => JSON.parse(l));
  labels.sort((a, b) => a.file.localeCompare(b.file));
  const out: Loaded[] = [];
  for (const [i, label] of labels.entries()) {
    const parsed = await parseEmail(await Deno.readFile(join(dir, basename(label.file))));
    const messageId = parsed.messageId ?? `<file-${label.file}@bench.invalid>`;
    const mail: DecideInput = { ...parsed, messageId };
    if (!isIntent(label.intent)) throw new Error(`${label.file}: "${label.intent}" is not an intent`);
    out.push({
      label,
      mail,
      example: exampleOf(mail, {
        labelId: i + 1,
        emailId: i + 1,
        messageId,
        sender: parsed.sender ?? "",
        intent: label.intent,
      }),
    });
  }
  return out;
}

async function score(items: Loaded[], examples: Example[]): Promise<{ rows: EvalRow[]; changed: number }> {
  const rows: EvalRow[] = [];
  let changed = 0;
  for (const item of items) {
    const d = await decide(item.mail, {
      ownAddresses: OWN_ADDRESSES,
      maxChars: 4000,
      lastAttempt: true,
      learned: { examples },
    });
    if (d.learnedFrom) changed++;
    rows.push({
      label: item.label,
      predicted: { intent: d.intent, automated: d.automated, auto_reply_ok: d.auto_reply_ok },
    });
  }
  return { rows, changed };
}

/**
 * The examples a database holds after people labelled `teach`: the files ingested through the real pipeline
 * into a fresh schema (TEST_DATABASE_URL), each corrected to its label (`correct`; a confirmation when the
 * classifier had it right), then read back as the daemon reads them.
 */
async function taughtByDatabase(dir: string, teach: Loaded[]): Promise<Example[]> {
  await using t = await testDb();
  const inbox = await Deno.makeTempDir();
  try {
    for (const item of teach) await Deno.copyFile(join(dir, item.label.file), join(inbox, item.label.file));
    const env: Record<string, string> = { OUTBOX_DIR: join(inbox, "outbox"), SEND_RATE: "1000" };
    await ingestAll(t.db, folderSource(inbox), { env });
    const route = await routeOptions(loadConfig((name) => env[name]));
    const emails = await emailsByFile(t.db);
    for (const item of teach) {
      const email = emails.get(item.label.file);
      if (!email) throw new Error(`${item.label.file} was not stored`);
      await correctIntent(t.db, { emailId: email.id, intent: item.label.intent, actor: "bench", route });
    }
    return (await loadLearned(t.db)).examples.slice();
  } finally {
    await Deno.remove(inbox, { recursive: true });
  }
}

/**
 * Teaches with each half and scores the other (files in name order, alternately A and B). `database`: the
 * labels go through the database as corrections (see taughtByDatabase); else the same examples are built in
 * memory (what the split test uses: no database needed).
 */
export async function measureLearning(
  dir: string,
  options: { database?: boolean } = {},
): Promise<LearningReport> {
  const items = await load(dir);
  const halves = [items.filter((_, i) => i % 2 === 0), items.filter((_, i) => i % 2 === 1)];
  const out: LearningHalf[] = [];
  let rightWithout = 0, rightWith = 0, human = 0;
  for (const [teach, test] of [[halves[0], halves[1]], [halves[1], halves[0]]]) {
    const without = await score(test, []);
    const examples = options.database ? await taughtByDatabase(dir, teach) : teach.map((t) => t.example);
    const withLearning = await score(test, examples);
    const a = evaluate(without.rows), b = evaluate(withLearning.rows);
    let fixed = 0, broken = 0;
    without.rows.forEach((r, i) => {
      if (r.label.automated) return;
      const before = r.label.acceptable.includes(r.predicted.intent);
      const after = r.label.acceptable.includes(withLearning.rows[i].predicted.intent);
      if (!before && after) fixed++;
      if (before && !after) broken++;
    });
    const n = test.filter((t) => !t.label.automated).length;
    const nn = nearestOnly(test, teach);
    human += n;
    rightWithout += Math.round((a.intent_lenient ?? 0) * n);
    rightWith += Math.round((b.intent_lenient ?? 0) * n);
    out.push({
      taught: examples.length,
      scored_human: n,
      lenient_without: round(a.intent_lenient ?? 0),
      lenient_with: round(b.intent_lenient ?? 0),
      changed: withLearning.changed,
      fixed,
      broken,
      lenient_nearest_only: round(nn.right / n),
      max_similarity: round(nn.max),
    });
  }
  return {
    halves: out,
    lenient_without: round(rightWithout / human),
    lenient_with: round(rightWith / human),
  };
}

function nearestOnly(test: Loaded[], teach: Loaded[]): { right: number; max: number } {
  let right = 0, max = 0;
  const examples = teach.map((t) => t.example);
  for (const t of test) {
    if (t.label.automated) continue;
    const [top] = nearest(t.example.features, examples, { k: 1, minSimilarity: 0 });
    if (top && t.label.acceptable.includes(top.example.intent)) right++;
    max = Math.max(max, top?.similarity ?? 0);
  }
  return { right, max };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** The report as a table. */
export function formatLearning(r: LearningReport): string {
  const lines = [
    "half  taught  scored  lenient without  lenient with  changed  fixed  broken  nearest only  max sim",
  ];
  r.halves.forEach((h, i) =>
    lines.push(
      `${i === 0 ? "A→B" : "B→A"}   ${String(h.taught).padStart(6)}  ${
        String(h.scored_human).padStart(6)
      }  ` +
        `${h.lenient_without.toFixed(3).padStart(15)}  ${h.lenient_with.toFixed(3).padStart(12)}  ` +
        `${String(h.changed).padStart(7)}  ${String(h.fixed).padStart(5)}  ${
          String(h.broken).padStart(6)
        }  ` +
        `${h.lenient_nearest_only.toFixed(3).padStart(12)}  ${h.max_similarity.toFixed(2).padStart(7)}`,
    )
  );
  lines.push(`both  lenient without ${r.lenient_without.toFixed(3)}, with ${r.lenient_with.toFixed(3)}`);
  return lines.join("\n");
}

if (import.meta.main) {
  const args = Deno.args.filter((a) => !a.startsWith("--"));
  const dir = args[0] ?? new URL("../../shared/corpus/dev/", import.meta.url).pathname;
  const report = await measureLearning(dir, { database: !Deno.args.includes("--memory") });
  console.log(Deno.args.includes("--json") ? JSON.stringify(report) : formatLearning(report));
}
