/** A folder: its emails, newest first (oldest first in "Needs a person", with their age), a search, pages. */
import { INTENTS } from "../../classify/intents.ts";
import { type Folder, folderOrder, type FolderRow } from "../../db/console.ts";
import { CLASSIFIERS, filterQuery, type ParsedFilters } from "../filters.ts";
import { FOLDER_TITLES, Layout, type LayoutProps } from "./layout.tsx";
import { age, shown, when } from "./text.ts";

/** What the folder page shows. */
export interface FolderPageProps {
  folder: Folder;
  rows: FolderRow[];
  counts: Record<Folder, number>;
  session: NonNullable<LayoutProps["session"]>;
  filters: ParsedFilters;
  /** The cursor of the next page, or null on the last one. */
  next: number | null;
  now: Date;
}

/** One page of a folder. */
export function FolderPage(p: FolderPageProps) {
  const oldest = folderOrder(p.folder) === "oldest";
  const query = filterQuery(p.filters.form, p.filters.cursor ?? undefined);
  const here = `/folders/${p.folder}${query ? `?${query}` : ""}`;
  const nextHref = p.next === null ? null : `/folders/${p.folder}?${filterQuery(p.filters.form, p.next)}`;
  return (
    <Layout title={FOLDER_TITLES[p.folder]} session={p.session} counts={p.counts} current={p.folder}>
      <h1>{FOLDER_TITLES[p.folder]}</h1>
      <Filters folder={p.folder} filters={p.filters} />
      {p.rows.length === 0
        ? <p class="muted">No emails{p.filters.active ? " match" : " here"}.</p>
        : (
          <form method="post" action="/bulk" class="bulk">
            <input type="hidden" name="csrf" value={p.session.csrf} />
            <input type="hidden" name="back" value={here} />
            <div class="actions">
              <span class="muted">Selected:</span>
              <button type="submit" name="action" value="handled">Mark handled</button>
              <button type="submit" name="action" value="release" class="secondary">
                Release withheld reply
              </button>
              <button type="submit" name="action" value="retry" class="secondary">
                Retry failed effects
              </button>
              <button type="submit" name="action" value="requeue" class="secondary">
                Requeue failed jobs
              </button>
              <input
                type="text"
                name="note"
                placeholder="Note (optional)"
                maxLength={2000}
                aria-label="Note"
              />
            </div>
            <table>
              <thead>
                <tr>
                  <th class="pick"></th>
                  <th class="num">#</th>
                  <th class="when">{oldest ? "Waiting" : "Received"}</th>
                  <th>From</th>
                  <th>Subject</th>
                  <th class="tag">Intent</th>
                  <th>
                    {p.folder === "problems"
                      ? "Problem"
                      : p.folder === "withheld"
                      ? "Why withheld"
                      : "Disposition"}
                  </th>
                </tr>
              </thead>
              <tbody>
                {p.rows.map((r) => (
                  <tr>
                    <td class="pick">
                      <input type="checkbox" name="id" value={r.id} aria-label={`Select email ${r.id}`} />
                    </td>
                    <td class="num">
                      <a href={`/emails/${r.id}`}>{r.id}</a>
                    </td>
                    <td class="when" title={when(r.received_at)}>
                      {oldest ? age(r.received_at, p.now) : when(r.received_at)}
                    </td>
                    <td class="untrusted">
                      {shown(r.sender_name ? `${r.sender_name} <${r.sender}>` : r.sender, 120)}
                    </td>
                    <td class="untrusted">
                      <a href={`/emails/${r.id}`}>{shown(r.subject ?? "(no subject)", 200)}</a>
                    </td>
                    <td class="tag">
                      {r.intent}
                      <div class="note">{r.classifier}</div>
                    </td>
                    <td>
                      {p.folder === "problems" || p.folder === "withheld" ? "" : r.disposition}
                      <div class="note">{shown(r.note, 300)}</div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </form>
        )}
      {nextHref && (
        <p class="pager">
          <a href={nextHref}>Next page</a>
        </p>
      )}
    </Layout>
  );
}

/** The search box and filters (GET: a filtered page is a link to share); the errors of bad values. */
function Filters(p: { folder: Folder; filters: ParsedFilters }) {
  const f = p.filters.form;
  return (
    <>
      <form class="search" method="get" action={`/folders/${p.folder}`}>
        <input
          type="search"
          name="q"
          value={f.q}
          placeholder="Sender, subject or text…"
          maxLength={200}
          aria-label="Search"
        />
        <input
          type="text"
          name="from"
          value={f.from}
          placeholder="From: address, prefix or @domain"
          maxLength={200}
          aria-label="From"
          class="narrow"
        />
        <select name="intent" aria-label="Intent">
          <option value="">any intent</option>
          {INTENTS.filter((i) => i !== "reserved").map((i) => (
            <option value={i} selected={f.intent === i}>{i}</option>
          ))}
        </select>
        <select name="classifier" aria-label="Classifier">
          <option value="">any classifier</option>
          {CLASSIFIERS.map((c) => <option key={c} value={c} selected={f.classifier === c}>{c}</option>)}
        </select>
        <label>
          since <input type="date" name="since" value={f.since} />
        </label>
        <label>
          until <input type="date" name="until" value={f.until} />
        </label>
        <button type="submit">Search</button>
        {p.filters.active && <a href={`/folders/${p.folder}`}>Clear</a>}
      </form>
      {p.filters.errors.map((e) => <p key={e} class="error">{e}</p>)}
    </>
  );
}
