/** What a bulk action did, email by email. */
import type { Folder } from "../../db/console.ts";
import type { BulkResult } from "../../review/bulk.ts";
import { Layout, type LayoutProps } from "./layout.tsx";

/** The bulk action's result page. */
export function BulkResultPage(
  p: {
    action: string;
    results: BulkResult[];
    back: string;
    counts: Record<Folder, number>;
    session: NonNullable<LayoutProps["session"]>;
  },
) {
  const done = p.results.filter((r) => r.ok).length;
  return (
    <Layout title="Bulk action" session={p.session} counts={p.counts}>
      <h1>{p.action}: {done} of {p.results.length} done</h1>
      <table>
        <thead>
          <tr>
            <th class="num">#</th>
            <th>Result</th>
          </tr>
        </thead>
        <tbody>
          {p.results.map((r) => (
            <tr key={r.emailId} class={r.ok ? "bulk-ok" : "bulk-refused"}>
              <td class="num">
                <a href={`/emails/${r.emailId}`}>{r.emailId}</a>
              </td>
              <td>{r.ok ? r.message : `not done: ${r.message}`}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="pager">
        <a href={p.back}>Back to the folder</a>
      </p>
    </Layout>
  );
}
