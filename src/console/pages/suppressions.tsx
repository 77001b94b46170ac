/**
 * The suppression list (`/suppressions`): addresses no automatic reply goes to, why and since when, and the
 * forms to add one or take one off (the same functions as `suppressions add|remove`).
 */
import type { Folder } from "../../db/console.ts";
import type { Suppression } from "../../db/feedback.ts";
import { Layout, type LayoutProps } from "./layout.tsx";
import { shown, when } from "./text.ts";

/** What the page shows. */
export interface SuppressionsPageProps {
  rows: Suppression[];
  /** The list may be longer than `rows`. */
  total: number;
  counts: Record<Folder, number>;
  session: NonNullable<LayoutProps["session"]>;
  /** A fixed message after an action (never text from the request). */
  flash?: string;
}

/** The suppression list. */
export function SuppressionsPage(p: SuppressionsPageProps) {
  const csrf = <input type="hidden" name="csrf" value={p.session.csrf} />;
  return (
    <Layout title="Suppressions" session={p.session} counts={p.counts} current="suppressions">
      {p.flash && <p class="flash">{p.flash}</p>}
      <h1>Suppressions</h1>
      <p class="note">
        No automatic reply goes to these addresses: a reply to one is withheld with the reason, and the email
        goes to a person. A complaint or a Permanent bounce adds an address at once, repeated soft bounces
        (SUPPRESS_SOFT_BOUNCES within SUPPRESS_SOFT_WINDOW) too.
      </p>
      <div class="actions">
        <form method="post" action="/suppressions/add">
          {csrf}
          <label>
            Address<br />
            <input name="address" type="email" maxLength={254} required />
          </label>
          <label>
            Note<br />
            <input name="note" maxLength={2000} />
          </label>
          <button type="submit">Suppress</button>
        </form>
      </div>
      {p.rows.length === 0 ? <p class="muted">No suppressed addresses.</p> : (
        <table>
          <thead>
            <tr>
              <th>Address</th>
              <th class="tag">Source</th>
              <th class="when">Since</th>
              <th class="num">Bounces</th>
              <th class="num">Complaints</th>
              <th>Reason</th>
            </tr>
          </thead>
          <tbody>
            {p.rows.map((r) => (
              <tr>
                <td class="untrusted">{shown(r.address, 254)}</td>
                <td class="tag">{r.source}</td>
                <td class="when">{when(r.created_at)}</td>
                <td class="num">{r.bounces}</td>
                <td class="num">{r.complaints}</td>
                <td>
                  <span class="note untrusted">{shown(r.reason, 500)}</span>
                  {r.note && <div class="note">Note: {shown(r.note, 2000)}</div>}
                  <form method="post" action="/suppressions/remove">
                    {csrf}
                    <input type="hidden" name="address" value={r.address} />
                    <button type="submit" class="secondary">Remove</button>
                  </form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {p.total > p.rows.length && <p class="note">Showing {p.rows.length} of {p.total}; newest first.</p>}
    </Layout>
  );
}
