/** What an email's page shows of learning, read through the `src/db` wrappers. */
import type { Queryable } from "../db/client.ts";
import { getLearnedFrom, listEmailLabels, listLabelsById } from "../db/labels.ts";
import type { LearnedFrom } from "../learn/learned_from.ts";
import type { LearningProps } from "./pages/learning.tsx";

/** The learned examples an email's decision used, and its own labels. */
export async function emailLearning(
  q: Queryable,
  id: number,
): Promise<Omit<LearningProps, "emailId" | "csrf">> {
  const [learnedFrom, labels] = await Promise.all([
    getLearnedFrom(q, id) as Promise<LearnedFrom | null>,
    listEmailLabels(q, id),
  ]);
  const used = await listLabelsById(q, (learnedFrom?.labels ?? []).map((l) => Number(l.id)));
  return { learnedFrom, used, labels };
}
