/**
 * The learning part of an email's page: which labelled examples changed its decision (or were shown to the
 * model), each linked to its email, the labels people gave this email, and the button that undoes its latest
 * correction. A learned rule nobody can see is one nobody can fix (InboxZero's users say so).
 */
import type { EmailLabel, LinkedLabel } from "../../db/labels.ts";
import type { LearnedFrom } from "../../learn/learned_from.ts";
import { shown, when } from "./text.ts";

/** What {@linkcode LearningSection} shows. */
export interface LearningProps {
  emailId: number;
  learnedFrom: LearnedFrom | null;
  /** The labels `learnedFrom` names, as they are now. */
  used: LinkedLabel[];
  /** The labels of this email. */
  labels: EmailLabel[];
  csrf: string;
}

/** The section. */
export function LearningSection(p: LearningProps) {
  const lf = p.learnedFrom;
  const byId = new Map(p.used.map((l) => [l.id, l]));
  const standing = p.labels.filter((l) => !l.retracted_at);
  const undoable = standing.some((l) => l.kind === "correction");
  return (
    <section class="learning">
      <h2>Learned from people</h2>
      {!lf || lf.labels.length === 0
        ? <p class="muted">No labelled example took part in this decision.</p>
        : (
          <div>
            <p>
              {lf.how === "neighbours"
                ? `Examples people labelled changed this decision: the lexicon alone said ${lf.without}.`
                : "The model was shown these examples people labelled (and earlier decisions for this sender)."}
            </p>
            <table>
              <tbody>
                {lf.labels.map((u) => {
                  const l = byId.get(u.id);
                  return (
                    <tr>
                      <td class="tag">
                        <a href={`/emails/${u.email_id}`}>email {u.email_id}</a>
                      </td>
                      <td class="tag">{u.intent}</td>
                      <td class="tag">
                        {u.role === "hint" ? "same sender" : `similarity ${u.similarity?.toFixed(2) ?? "–"}`}
                      </td>
                      <td class="untrusted">{shown(l?.subject ?? "", 200)}</td>
                      <td class="note">
                        label {u.id}
                        {l ? ` by ${shown(l.actor, 100)}, ${when(l.created_at)}` : ""}
                        {l?.retracted_at ? " (since undone)" : ""}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      {p.labels.length > 0 && <h3>Labels people gave this email</h3>}
      {p.labels.length > 0 && (
        <table>
          <tbody>
            {p.labels.map((l) => (
              <tr>
                <td class="when">{when(l.created_at)}</td>
                <td class="tag">{l.kind}</td>
                <td>
                  {l.kind === "correction" ? `${l.previous_intent} → ${l.intent}` : l.intent}
                </td>
                <td class="tag">{shown(l.actor, 100)}</td>
                <td class="note">
                  {l.retracted_at ? `undone ${when(l.retracted_at)} by ${shown(l.retracted_by, 100)}` : ""}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {undoable && (
        <form method="post" action={`/emails/${p.emailId}/undo`}>
          <input type="hidden" name="csrf" value={p.csrf} />
          <label>
            Note<br />
            <input name="note" maxLength={2000} />
          </label>
          <button type="submit" class="secondary">Undo the latest correction</button>
        </form>
      )}
    </section>
  );
}
