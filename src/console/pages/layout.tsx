/** The frame of every console page: navigation with the folders' counts, and the logout button. */
import type { ComponentChildren } from "preact";
import type { Folder } from "../../db/console.ts";

/** Folder names as people read them. */
export const FOLDER_TITLES: Record<Folder, string> = {
  needs_person: "Needs a person",
  answered: "Answered automatically",
  withheld: "Withheld",
  filtered: "Filtered",
  problems: "Problems",
  all: "All",
};

/** What the frame shows around a page. */
export interface LayoutProps {
  title: string;
  /** Null on pages without a session (login). */
  session: { user: string; csrf: string } | null;
  counts?: Record<Folder, number>;
  current?: Folder | "suppressions" | "dashboard";
  children: ComponentChildren;
}

/** A whole page. */
export function Layout(p: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{p.title} · ses-daemon-bot</title>
        <link rel="stylesheet" href="/static/console.css" />
      </head>
      <body>
        <header>
          <span class="brand">ses-daemon-bot</span>
          {p.counts && (
            <nav>
              <a href="/dashboard" class={p.current === "dashboard" ? "current" : undefined}>Dashboard</a>
              {(Object.keys(FOLDER_TITLES) as Folder[]).map((f) => (
                <a href={`/folders/${f}`} class={f === p.current ? "current" : undefined}>
                  {FOLDER_TITLES[f]}
                  <span class="count">{p.counts![f]}</span>
                </a>
              ))}
              <a href="/suppressions" class={p.current === "suppressions" ? "current" : undefined}>
                Suppressions
              </a>
            </nav>
          )}
          {p.session && (
            <form method="post" action="/logout">
              <input type="hidden" name="csrf" value={p.session.csrf} />
              <span class="muted">{p.session.user}</span>{" "}
              <button class="secondary" type="submit">Log out</button>
            </form>
          )}
        </header>
        <main>{p.children}</main>
      </body>
    </html>
  );
}

/** The login page: the password form, or how to find the one-time link. */
export function LoginPage(p: { error?: string; passwordSet: boolean; next: string }) {
  return (
    <Layout title="Log in" session={null}>
      <div class="login">
        <h1>Review console</h1>
        {p.error && <p class="error">{p.error}</p>}
        {p.passwordSet
          ? (
            <form method="post" action="/login">
              <input type="hidden" name="next" value={p.next} />
              <label>
                Password
                <input type="password" name="password" autocomplete="current-password" autofocus required />
              </label>
              <button type="submit">Log in</button>
            </form>
          )
          : (
            <p>
              No password is set (CONSOLE_PASSWORD). Open the one-time login link the daemon printed at start
              (its log line "Review console"), or set a password and restart.
            </p>
          )}
      </div>
    </Layout>
  );
}

/** A page that says what went wrong (an action refused, a missing email). */
export function MessagePage(
  p: { title: string; message: string; back?: string; session: LayoutProps["session"] },
) {
  return (
    <Layout title={p.title} session={p.session}>
      <h1>{p.title}</h1>
      <p class="error">{p.message}</p>
      {p.back && (
        <p>
          <a href={p.back}>Back</a>
        </p>
      )}
    </Layout>
  );
}
