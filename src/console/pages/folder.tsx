/** A folder: its emails, newest first (oldest first in "Needs a person", with their age), a search, pages. */
import { type Folder, folderOrder, type FolderRow } from "../../db/console.ts";
import { FOLDER_TITLES, Layout, type LayoutProps } from "./layout.tsx";
import { age, shown, when } from "./text.ts";

/** What the folder page shows. */
export interface FolderPageProps {
  folder: Folder;
  rows: FolderRow[];
  counts: Record<Folder, number>;
  session: NonNullable<LayoutProps["session"]>;
  search: string;
  /** The cursor of the next page, or null on the last one. */
  next: number | null;
  now: Date;
}

/** One page of a folder. */
export function FolderPage(p: FolderPageProps) {
  const oldest = folderOrder(p.folder) === "oldest";
  const nextHref = p.next === null ? null : `/folders/${p.folder}?${new URLSearchParams({
    ...(p.search ? { q: p.search } : {}),
    cursor: String(p.next),
  })}`;
  return (
    <Layout title={FOLDER_TITLES[p.folder]} session={p.session} counts={p.counts} current={p.folder}>
      <h1>{FOLDER_TITLES[p.folder]}</h1>
      <form class="search" method="get" action={`/folders/${p.folder}`}>
        <input
          type="search"
          name="q"
          value={p.search}
          placeholder="Sender or subject contains…"
          maxLength={200}
        />
        <button type="submit">Search</button>
      </form>
      {p.rows.length === 0 ? <p class="muted">No emails{p.search ? " match" : " here"}.</p> : (
        <table>
          <thead>
            <tr>
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
      )}
      {nextHref && (
        <p class="pager">
          <a href={nextHref}>Next page</a>
        </p>
      )}
    </Layout>
  );
}
