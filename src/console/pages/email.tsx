/**
 * An email's page (`/emails/{id}`): who and what, its text (text only: the email's HTML is never rendered
 * here), attachments and the raw .eml to download, the decision, the effects, the conversation, the audit
 * trail, and the actions a person may take.
 */
import type { ConversationItem } from "../../act/conversation.ts";
import { INTENTS } from "../../classify/intents.ts";
import type { AuditRow, EmailDetail, EmailEffect, EmailJob, Folder } from "../../db/console.ts";
import type { EmailFeedback, Suppression } from "../../db/feedback.ts";
import { Layout, type LayoutProps } from "./layout.tsx";
import { type LearningProps, LearningSection } from "./learning.tsx";
import { shown, when } from "./text.ts";
import { rawNotStoredNote } from "../../retention/raw_note.ts";

/** What the email's page shows. */
export interface EmailPageProps {
  email: EmailDetail;
  ownText: string;
  effects: EmailEffect[];
  jobs: EmailJob[];
  conversation: ConversationItem[];
  audit: AuditRow[];
  /** The reply address's entry on the suppression list, or null. */
  suppression?: Suppression | null;
  /** What SES reported about the mail sent for it (bounces, complaints, deliveries). */
  feedback?: EmailFeedback[];
  counts: Record<Folder, number>;
  session: NonNullable<LayoutProps["session"]>;
  /** A fixed message after an action (never text from the request). */
  flash?: string;
  /** What was learned from people: examples used, labels, undo (absent: not shown). */
  learning?: Omit<LearningProps, "emailId" | "csrf">;
}

/** The page of one email. */
export function EmailPage(p: EmailPageProps) {
  const e = p.email;
  const csrf = <input type="hidden" name="csrf" value={p.session.csrf} />;
  return (
    <Layout title={`Email ${e.id}`} session={p.session} counts={p.counts}>
      {p.flash && <p class="flash">{p.flash}</p>}
      <h1 class="untrusted">{shown(e.subject ?? "(no subject)", 300)}</h1>
      <dl class="facts">
        <dt>From</dt>
        <dd class="untrusted">{shown(e.sender_name ? `${e.sender_name} <${e.sender}>` : e.sender, 300)}</dd>
        {e.reply_to && <dt>Reply-To</dt>}
        {e.reply_to && <dd class="untrusted">{shown(e.reply_to, 300)}</dd>}
        <dt>To, Cc</dt>
        <dd class="untrusted">{shown(e.recipients.slice(0, 50).join(", "), 1000)}</dd>
        <dt>Date</dt>
        <dd>
          {when(e.sent_at)} <span class="muted">(received {when(e.received_at)})</span>
        </dd>
        <dt>Message-ID</dt>
        <dd class="untrusted">{shown(e.message_id, 300)}</dd>
        <dt>Disposition</dt>
        <dd>
          <strong>{e.disposition}</strong> <span class="muted">{shown(e.disposition_reason, 500)}</span>
        </dd>
        {p.suppression && <dt>Suppressed</dt>}
        {p.suppression && (
          <dd class="state-suppressed">
            <span class="untrusted">{shown(p.suppression.address, 254)}</span> is on the{" "}
            <a href="/suppressions">suppression list</a> ({p.suppression.source}, since{" "}
            {when(p.suppression.created_at)}):{" "}
            {shown(p.suppression.reason, 500)}. No automatic reply goes to it.
          </dd>
        )}
        <dt>Handled</dt>
        <dd>{e.handled_at ? `${when(e.handled_at)} by ${e.handled_by}` : "not yet"}</dd>
        {e.parse_error && <dt>Parse error</dt>}
        {e.parse_error && <dd class="state-failed">{shown(e.parse_error, 1000)}</dd>}
      </dl>

      <h2>Actions</h2>
      <div class="actions">
        <form method="post" action={`/emails/${e.id}/correct`}>
          {csrf}
          <label>
            Intent<br />
            <select name="intent">
              {INTENTS.filter((i) => i !== "reserved").map((i) => (
                <option value={i} selected={i === e.intent}>{i}</option>
              ))}
            </select>
          </label>
          <label>
            Note<br />
            <input name="note" maxLength={2000} />
          </label>
          <button type="submit">Correct intent</button>
        </form>
        {!e.handled_at && (
          <form method="post" action={`/emails/${e.id}/handled`}>
            {csrf}
            <label>
              Note<br />
              <input name="note" maxLength={2000} />
            </label>
            <button type="submit">Mark handled</button>
          </form>
        )}
      </div>

      <h2>Decision</h2>
      <dl class="facts">
        <dt>Intent</dt>
        <dd>
          <strong>{e.intent}</strong>
          {e.corrections > 0 && <span class="muted">(corrected {e.corrections}×, see the audit trail)</span>}
        </dd>
        <dt>Classifier</dt>
        <dd>
          {e.classifier ?? "not classified yet"}{" "}
          {e.classifier_model && <span class="muted">{e.classifier_model}</span>}
        </dd>
        <dt>Automated</dt>
        <dd>{String(e.automated)} · auto reply allowed: {String(e.auto_reply_ok)}</dd>
        <dt>Rule reasons</dt>
        <dd>{shown(e.rule_reasons.join(", "), 1000) || "none"}</dd>
        <dt>Latency, tokens</dt>
        <dd>
          {e.classifier_latency_ms ?? "–"} ms · prompt {e.prompt_tokens ?? "–"} · completion{" "}
          {e.completion_tokens ?? "–"}
        </dd>
        {e.classifier_note && <dt>Note</dt>}
        {e.classifier_note && <dd>{shown(e.classifier_note, 1000)}</dd>}
      </dl>

      {p.learning && <LearningSection emailId={e.id} csrf={p.session.csrf} {...p.learning} />}

      <h2>Effects</h2>
      {p.effects.length === 0 ? <p class="muted">None.</p> : (
        <table>
          <thead>
            <tr>
              <th class="num">#</th>
              <th>What</th>
              <th>To</th>
              <th class="tag">State</th>
              <th class="when">When</th>
              <th>Error or reason</th>
            </tr>
          </thead>
          <tbody>
            {p.effects.map((f) => (
              <tr>
                <td class="num">{f.id}</td>
                <td>
                  {f.kind} <span class="muted">{f.purpose}</span>
                </td>
                <td class="untrusted">{shown(f.target, 200)}</td>
                <td class={`tag state-${f.state}`}>
                  {f.state}
                  <div class="note">{f.attempts} attempt(s)</div>
                </td>
                <td class="when">{when(f.delivered_at ?? f.updated_at)}</td>
                <td>
                  <span class="note">{shown(f.last_error, 500)}</span>
                  {f.kind === "reply" && f.state === "suppressed" && (
                    <form method="post" action={`/effects/${f.id}/release`}>
                      {csrf}
                      <button type="submit" class="secondary">Release this reply</button>
                    </form>
                  )}
                  {f.state === "failed" && (
                    <form method="post" action={`/effects/${f.id}/retry`}>
                      {csrf}
                      <button type="submit" class="secondary">Retry</button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {(p.feedback?.length ?? 0) > 0 && <h2>SES feedback</h2>}
      {(p.feedback?.length ?? 0) > 0 && (
        <table>
          <tbody>
            {p.feedback!.map((b) => (
              <tr>
                <td class="when">{when(b.occurred_at ?? b.received_at)}</td>
                <td class="num">effect {b.effect_id}</td>
                <td class={`tag ${b.kind === "delivery" ? "state-delivered" : "state-failed"}`}>
                  {b.kind}
                  {b.bounce_type && <div class="note">{b.bounce_type}/{b.sub_type}</div>}
                  {!b.bounce_type && b.sub_type && <div class="note">{b.sub_type}</div>}
                </td>
                <td class="untrusted">{shown(b.recipient, 254)}</td>
                <td class="untrusted note">{shown(b.detail, 500)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {p.jobs.length > 0 && <h2>Jobs with errors</h2>}
      {p.jobs.length > 0 && (
        <table>
          <tbody>
            {p.jobs.map((j) => (
              <tr>
                <td class="num">{j.id}</td>
                <td>{j.kind}</td>
                <td class={`tag state-${j.state}`}>{j.state} ({j.attempts}/{j.max_attempts})</td>
                <td>
                  <span class="note">{shown(j.last_error, 500)}</span>
                  {j.state === "failed" && (
                    <form method="post" action={`/emails/${e.id}/jobs/${j.id}/requeue`}>
                      {csrf}
                      <button type="submit" class="secondary">Requeue</button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>The sender's own text</h2>
      <p class="note">
        What the classifier read: quotes and signature removed. Text only: the email's HTML is never rendered
        here
        {e.body_html ? " (this email had only HTML; its text was extracted when it was parsed)" : ""}.
      </p>
      <pre class="text">{shown(p.ownText, 20_000) || "(empty)"}</pre>
      <h2>The whole text</h2>
      <pre class="text">{shown(e.body, 200_000) || "(empty)"}</pre>
      {e.body_chars !== null && e.body_chars > 200_000 && (
        <p class="note">Cut at 200,000 of {e.body_chars} characters: download the .eml for the rest.</p>
      )}

      <h2>Attachments and the original</h2>
      {e.attachments.length > 0 && (
        <table>
          <tbody>
            {e.attachments.slice(0, 200).map((a) => (
              <tr>
                <td class="untrusted">{shown(a.filename ?? "(no name)", 200)}</td>
                <td>{shown(a.mime_type, 100)}</td>
                <td>{a.size} bytes</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p>
        {e.raw_stored
          ? <a href={`/emails/${e.id}/raw`}>Download the original (.eml, {e.size_bytes} bytes)</a>
          : <span class="muted">{rawNotStoredNote(e.raw_dropped_at, e.raw_location)}</span>}
      </p>

      <h2>Conversation</h2>
      {p.conversation.length <= 1
        ? <p class="muted">This email starts its conversation; nothing follows it yet.</p>
        : (
          <table>
            <tbody>
              {p.conversation.map((m) => (
                <tr>
                  <td class="when">{when(m.at)}</td>
                  <td class="tag">
                    {m.kind === "reply"
                      ? "our reply"
                      : m.emailId === e.id
                      ? "this email"
                      : <a href={`/emails/${m.emailId}`}>email {m.emailId}</a>}
                  </td>
                  <td class="untrusted">{shown(m.from, 120)}</td>
                  <td class="untrusted">{shown(m.excerpt, 300)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      {e.thread_link && <p class="note">Linked to email {e.thread_parent_id} by {e.thread_link}.</p>}

      <h2>Audit trail</h2>
      {p.audit.length === 0 ? <p class="muted">No one has acted on this email yet.</p> : (
        <table>
          <tbody>
            {p.audit.map((a) => (
              <tr>
                <td class="when">{when(a.at)}</td>
                <td class="tag">{shown(a.actor, 100)}</td>
                <td class="tag">{a.action}</td>
                <td>
                  {shown(a.detail, 1000)}
                  {a.note && <div class="note">Note: {shown(a.note, 2000)}</div>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}
