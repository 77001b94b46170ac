/**
 * The examples a deployment has learned, read from the database: the standing labels (see list_examples.sql)
 * turned into {@linkcode Example}s once, and read again only when a label was added or retracted (one small
 * aggregate per classification). Measured here on dev-corpus texts: 5,000 examples take ~330 ms to build
 * (own text and features), and comparing an email with all of them ~3.6 ms.
 */
import type { Queryable } from "../db/client.ts";
import { type ExampleRow, labelsVersion, listExamples } from "../db/labels.ts";
import { type Intent, isIntent } from "../classify/intents.ts";
import { ownText } from "../mail/own_text.ts";
import { type Example, featuresOf } from "./neighbours.ts";

/** At most this many examples are kept in memory, the newest. */
export const MAX_EXAMPLES = 5000;

/** What a classifier needs of what was learned. */
export interface Learned {
  examples: readonly Example[];
}

/** An example of a stored or parsed email and the intent people gave it. */
export function exampleOf(
  mail: { subject?: string | null; body?: string | null },
  label: {
    labelId: number;
    emailId: number;
    messageId: string;
    sender: string;
    intent: Intent;
    kind?: Example["kind"];
  },
  maxChars = 4000,
): Example {
  const subject = mail.subject ?? "";
  const text = ownText({ body: mail.body ?? undefined, subject }, { maxChars });
  return { ...label, kind: label.kind ?? "correction", subject, text, features: featuresOf(subject, text) };
}

function fromRow(row: ExampleRow, maxChars: number): Example | undefined {
  if (!isIntent(row.intent) || row.intent === "reserved") return undefined;
  return exampleOf(row, {
    labelId: row.id,
    emailId: row.email_id,
    messageId: row.message_id,
    sender: row.sender,
    intent: row.intent,
    kind: row.kind,
  }, maxChars);
}

/** Loads the standing examples now. */
export async function loadLearned(q: Queryable, maxChars = 4000): Promise<Learned> {
  const rows = await listExamples(q, MAX_EXAMPLES);
  return { examples: rows.map((r) => fromRow(r, maxChars)).filter((e): e is Example => e !== undefined) };
}

/** The examples, reloaded when the labels changed since the last read. */
export class LearnedCache {
  #version = "";
  #learned: Learned = { examples: [] };
  #loading: Promise<Learned> | undefined;

  constructor(readonly maxChars = 4000) {}

  /** The current examples (a label added a moment ago is in them). */
  async current(q: Queryable): Promise<Learned> {
    const version = await labelsVersion(q);
    if (version === this.#version) return this.#learned;
    this.#loading ??= loadLearned(q, this.maxChars).then((learned) => {
      this.#learned = learned;
      this.#version = version;
      return learned;
    }).finally(() => (this.#loading = undefined));
    return await this.#loading;
  }
}
