/**
 * The console's routes. They read through the `src/db` wrappers and act through `src/review/actions.ts`, the
 * functions the CLI calls; the security middleware (security.ts) has checked the session and CSRF token.
 */
import type { VNode } from "preact";
import { renderToString } from "preact-render-to-string";
import type { RouteOptions } from "../act/route_job.ts";
import type { Db } from "../db/client.ts";
import {
  countFolders,
  type Folder,
  FOLDERS,
  getEmailDetail,
  getRawForDownload,
  listAudit,
  listEmailEffects,
  listEmailJobs,
  listFolder,
} from "../db/console.ts";
import { getDashboardSummary, listCorrectionsByIntent, listDailyCounts } from "../db/console_dashboard.ts";
import { listConversation } from "../db/conversations.ts";
import { countSuppressions, getSuppression, listEmailFeedback, listSuppressions } from "../db/feedback.ts";
import { normaliseAddress } from "../feedback/parse.ts";
import { suppressAddress, SuppressionInputError, unsuppressAddress } from "../feedback/suppressions.ts";
import { ownText } from "../mail/own_text.ts";
import { rawNotStoredNote } from "../retention/raw_note.ts";
import {
  ActionError,
  correctIntent,
  markHandled,
  releaseReply,
  requeueJob,
  retryEffect,
} from "../review/actions.ts";
import { BULK_ACTIONS, type BulkAction, bulkAction, MAX_BULK_IDS } from "../review/bulk.ts";
import { parseFilters } from "./filters.ts";
import { closeSession, type LoginGate, type LoginLimiter, openSession, type Session } from "./auth.ts";
import { DashboardPage } from "./pages/dashboard.tsx";
import { BulkResultPage } from "./pages/bulk.tsx";
import { EmailPage } from "./pages/email.tsx";
import { emailLearning } from "./learning_data.ts";
import { undoCorrection } from "../review/undo.ts";
import { FolderPage } from "./pages/folder.tsx";
import { SuppressionsPage } from "./pages/suppressions.tsx";
import { LoginPage, MessagePage } from "./pages/layout.tsx";
import { redirect, type Route, type RouteContext, text } from "./security.ts";
import css from "./static/console.css" with { type: "text" };

/** What the routes need. */
export interface RouterDeps {
  db: Db;
  gate: LoginGate;
  limiter: LoginLimiter;
  /** Cookies are Secure (CONSOLE_URL is https). */
  secure: boolean;
  route: RouteOptions;
}

/** Emails per folder page. */
const PAGE_SIZE = 50;
/** Characters of an email's text its page shows (the .eml download has all of it). */
const BODY_CHARS = 200_000;

/** Fixed messages after an action (the query names one; no text of the request is ever shown). */
const DONE: Record<string, string> = {
  corrected: "Intent corrected; the email was routed again for it (see the effects below).",
  confirmed: "Intent confirmed.",
  handled: "Marked handled: it left Needs a person.",
  released: "The withheld reply was released; it is being delivered.",
  retried: "The effect is being delivered again.",
  requeued: "The job was requeued.",
  suppressed: "The address was added to the suppression list.",
  already: "The address was on the suppression list already.",
  unsuppressed: "The address was taken off the suppression list.",
  absent: "The address was not on the suppression list.",
  undone: "The correction was undone: its label is retracted and the email has its previous intent again.",
};

/** Addresses the Suppressions page lists at most (newest first). */
const SUPPRESSIONS_SHOWN = 500;

/** The router. */
export function consoleRouter(deps: RouterDeps): Route {
  return async (req, ctx) => {
    const path = ctx.url.pathname;
    const m = (re: RegExp) => re.exec(path);
    let g: RegExpExecArray | null;
    if (req.method === "GET" || req.method === "HEAD") {
      if (path === "/static/console.css") {
        return new Response(css, { headers: { "content-type": "text/css; charset=utf-8" } });
      }
      if (path === "/login") return await loginWithLink(deps, ctx);
      if (path === "/") return redirect("/folders/needs_person");
      if ((g = m(/^\/folders\/([a-z_]+)$/))) return await folderPage(deps, ctx, g[1]);
      if (path === "/dashboard") return await dashboardPage(deps, ctx);
      if ((g = m(/^\/emails\/(\d{1,9})$/))) return await emailPage(deps, ctx, Number(g[1]));
      if ((g = m(/^\/emails\/(\d{1,9})\/raw$/))) return await rawDownload(deps, Number(g[1]));
      if (path === "/suppressions") return await suppressionsPage(deps, ctx);
      return text("Not found\n", 404);
    }
    if (path === "/login") return await login(deps, ctx);
    const session = ctx.session!;
    if (path === "/logout") {
      return redirect("/login", {
        "set-cookie": await closeSession(deps.db, session, { secure: deps.secure }),
      });
    }
    const note = ctx.form.get("note");
    try {
      if (path === "/bulk") return await bulk(deps, ctx);
      if ((g = m(/^\/emails\/(\d{1,9})\/correct$/))) {
        const id = Number(g[1]);
        const r = await correctIntent(deps.db, {
          emailId: id,
          intent: ctx.form.get("intent") ?? "",
          actor: session.user,
          note,
          route: deps.route,
        });
        return redirect(`/emails/${id}?done=${r.changed ? "corrected" : "confirmed"}`);
      }
      if ((g = m(/^\/emails\/(\d{1,9})\/undo$/))) {
        await undoCorrection(deps.db, {
          emailId: Number(g[1]),
          actor: session.user,
          note,
          route: deps.route,
        });
        return redirect(`/emails/${g[1]}?done=undone`);
      }
      if ((g = m(/^\/emails\/(\d{1,9})\/handled$/))) {
        await markHandled(deps.db, { emailId: Number(g[1]), actor: session.user, note });
        return redirect(`/emails/${g[1]}?done=handled`);
      }
      if ((g = m(/^\/effects\/(\d{1,15})\/release$/))) {
        const r = await releaseReply(deps.db, {
          effectId: Number(g[1]),
          actor: session.user,
          note,
          jobMaxAttempts: deps.route.jobMaxAttempts,
        });
        return redirect(`/emails/${r.emailId}?done=released`);
      }
      if ((g = m(/^\/effects\/(\d{1,15})\/retry$/))) {
        const r = await retryEffect(deps.db, { effectId: Number(g[1]), actor: session.user, note });
        return redirect(`/emails/${r.emailId}?done=retried`);
      }
      if (path === "/suppressions/add" || path === "/suppressions/remove") {
        return await suppressionAction(deps, ctx, path.endsWith("add") ? "add" : "remove");
      }
      if ((g = m(/^\/emails\/(\d{1,9})\/jobs\/(\d{1,15})\/requeue$/))) {
        await requeueJob(deps.db, { emailId: Number(g[1]), jobId: Number(g[2]), actor: session.user, note });
        return redirect(`/emails/${g[1]}?done=requeued`);
      }
    } catch (error) {
      if (!(error instanceof ActionError)) throw error;
      return html(
        <MessagePage
          title="Not done"
          message={error.message}
          back={req.headers.get("referer") ?? "/"}
          session={session}
        />,
        error.status,
      );
    }
    return text("Not found\n", 404);
  };
}

/** A rendered page. The renderer escapes every text and attribute; nothing is concatenated by hand. */
function html(page: VNode, status = 200, headers: Record<string, string> = {}): Response {
  return new Response("<!doctype html>" + renderToString(page), {
    status,
    headers: { "content-type": "text/html; charset=utf-8", ...headers },
  });
}

/** Where to go after logging in: a path of ours, never another site (`//x`, `/\x`). */
function safeNext(next: string | null): string {
  return next && /^\/(?![\/\\])[^\\\s]*$/.test(next) ? next : "/";
}

function layoutSession(s: Session) {
  return { user: s.user, csrf: s.csrf };
}

/** GET /login: the login page, or the one-time link's token exchanged for a session. */
async function loginWithLink(deps: RouterDeps, ctx: RouteContext): Promise<Response> {
  const next = safeNext(ctx.url.searchParams.get("next"));
  const token = ctx.url.searchParams.get("token");
  if (token === null) {
    if (ctx.session) return redirect(next);
    return html(<LoginPage passwordSet={deps.gate.password !== undefined} next={next} />);
  }
  return await loginWith(deps, ctx, { token }, next);
}

/** POST /login: the password (or the token) from the form. */
async function login(deps: RouterDeps, ctx: RouteContext): Promise<Response> {
  const next = safeNext(ctx.form.get("next"));
  return await loginWith(deps, ctx, {
    password: ctx.form.get("password") ?? undefined,
    token: ctx.form.get("token") ?? undefined,
  }, next);
}

async function loginWith(
  deps: RouterDeps,
  ctx: RouteContext,
  form: { password?: string; token?: string },
  next: string,
): Promise<Response> {
  const wait = deps.limiter.retryAfterMs(ctx.client);
  if (wait > 0) {
    return text(`Too many failed logins; try again in ${Math.ceil(wait / 1000)} s.\n`, 429, {
      "retry-after": String(Math.ceil(wait / 1000)),
    });
  }
  const user = deps.gate.check(form);
  if (!user) {
    deps.limiter.fail(ctx.client);
    const error = form.password !== undefined
      ? "Wrong password."
      : "This login link is not valid (it works once).";
    return html(<LoginPage passwordSet={deps.gate.password !== undefined} next={next} error={error} />, 401);
  }
  const { cookie } = await openSession(deps.db, user, { secure: deps.secure });
  return redirect(next, { "set-cookie": cookie });
}

async function folderPage(deps: RouterDeps, ctx: RouteContext, name: string): Promise<Response> {
  if (!(FOLDERS as readonly string[]).includes(name)) return text("No such folder\n", 404);
  const folder = name as Folder;
  const parsed = parseFilters(ctx.url.searchParams);
  const [counts, rows] = await Promise.all([
    countFolders(deps.db),
    parsed.errors.length > 0
      ? Promise.resolve([])
      : listFolder(deps.db, folder, { cursor: parsed.cursor, filters: parsed.filters, limit: PAGE_SIZE + 1 }),
  ]);
  const page = rows.slice(0, PAGE_SIZE);
  return html(
    <FolderPage
      folder={folder}
      rows={page}
      counts={counts}
      session={layoutSession(ctx.session!)}
      filters={parsed}
      next={rows.length > PAGE_SIZE ? page[page.length - 1].id : null}
      now={new Date()}
    />,
    parsed.errors.length > 0 ? 400 : 200,
  );
}

/** POST /bulk: `action` on the selected `id`s of a folder page; shows what was done to each. */
async function bulk(deps: RouterDeps, ctx: RouteContext): Promise<Response> {
  const action = ctx.form.get("action") ?? "";
  if (!(BULK_ACTIONS as readonly string[]).includes(action)) {
    throw new ActionError(`"${action.slice(0, 40)}" is not a bulk action (${BULK_ACTIONS.join(", ")})`, 400);
  }
  const texts = ctx.form.getAll("id");
  if (texts.length === 0) throw new ActionError("Select at least one email (the boxes on the left)", 400);
  if (texts.length > MAX_BULK_IDS) {
    throw new ActionError(`Select at most ${MAX_BULK_IDS} emails at once`, 400);
  }
  const ids = texts.map((t) => {
    if (!/^\d{1,9}$/.test(t)) throw new ActionError(`"${t.slice(0, 40)}" is not an email id`, 400);
    return Number(t);
  });
  const back = ctx.form.get("back") ?? "";
  const results = await bulkAction(deps.db, {
    action: action as BulkAction,
    emailIds: ids,
    actor: ctx.session!.user,
    note: ctx.form.get("note"),
    route: deps.route,
  });
  return html(
    <BulkResultPage
      action={action}
      results={results}
      back={/^\/folders\/[a-z_]+(\?[^\s\\]*)?$/.test(back) ? back : "/"}
      counts={await countFolders(deps.db)}
      session={layoutSession(ctx.session!)}
    />,
  );
}

/** GET /dashboard?days=N (7, 14 by default, 30 or 90). */
async function dashboardPage(deps: RouterDeps, ctx: RouteContext): Promise<Response> {
  const asked = Number(ctx.url.searchParams.get("days") ?? "14");
  const days = [7, 14, 30, 90].includes(asked) ? asked : 14;
  const [counts, daily, summary, corrections] = await Promise.all([
    countFolders(deps.db),
    listDailyCounts(deps.db, days),
    getDashboardSummary(deps.db, days),
    listCorrectionsByIntent(deps.db, days),
  ]);
  return html(
    <DashboardPage
      days={days}
      daily={daily}
      summary={summary}
      corrections={corrections}
      counts={counts}
      session={layoutSession(ctx.session!)}
      now={new Date()}
    />,
  );
}

async function emailPage(deps: RouterDeps, ctx: RouteContext, id: number): Promise<Response> {
  const email = await getEmailDetail(deps.db, id, BODY_CHARS);
  const session = layoutSession(ctx.session!);
  if (!email) {
    return html(
      <MessagePage title="Not found" message={`No email ${id}.`} back="/" session={session} />,
      404,
    );
  }
  const [counts, effects, jobs, audit, conversation, suppression, feedback, learning] = await Promise.all([
    countFolders(deps.db),
    listEmailEffects(deps.db, id),
    listEmailJobs(deps.db, id, email.raw_id),
    listAudit(deps.db, id),
    email.conversation_id === null
      ? Promise.resolve([])
      : listConversation(deps.db, { conversationId: email.conversation_id, excerptChars: 300, limit: 50 }),
    getSuppression(deps.db, normaliseAddress(email.reply_to || email.sender)),
    listEmailFeedback(deps.db, id),
    emailLearning(deps.db, id),
  ]);
  return html(
    <EmailPage
      email={email}
      ownText={ownText({ body: email.body ?? "", subject: email.subject ?? "" }, { maxChars: 20_000 })}
      effects={effects}
      jobs={jobs}
      audit={audit}
      conversation={conversation}
      suppression={suppression ?? null}
      feedback={feedback}
      counts={counts}
      session={session}
      flash={DONE[ctx.url.searchParams.get("done") ?? ""]}
      learning={learning}
    />,
  );
}

async function suppressionsPage(deps: RouterDeps, ctx: RouteContext): Promise<Response> {
  const [counts, rows, sizes] = await Promise.all([
    countFolders(deps.db),
    listSuppressions(deps.db, SUPPRESSIONS_SHOWN),
    countSuppressions(deps.db),
  ]);
  return html(
    <SuppressionsPage
      rows={rows}
      total={sizes.reduce((n, r) => n + r.count, 0)}
      counts={counts}
      session={layoutSession(ctx.session!)}
      flash={DONE[ctx.url.searchParams.get("done") ?? ""]}
    />,
  );
}

/** POST /suppressions/add|remove: the functions `suppressions add|remove` call. */
async function suppressionAction(
  deps: RouterDeps,
  ctx: RouteContext,
  verb: "add" | "remove",
): Promise<Response> {
  const p = { address: ctx.form.get("address") ?? "", actor: ctx.session!.user, note: ctx.form.get("note") };
  try {
    if (verb === "add") {
      return redirect(`/suppressions?done=${await suppressAddress(deps.db, p) ? "suppressed" : "already"}`);
    }
    return redirect(`/suppressions?done=${await unsuppressAddress(deps.db, p) ? "unsuppressed" : "absent"}`);
  } catch (error) {
    if (!(error instanceof SuppressionInputError)) throw error;
    return html(
      <MessagePage
        title="Not done"
        message={error.message}
        back="/suppressions"
        session={layoutSession(ctx.session!)}
      />,
      400,
    );
  }
}

/** The original bytes, as a download only: never shown inline, whatever they contain. */
async function rawDownload(deps: RouterDeps, id: number): Promise<Response> {
  const raw = await getRawForDownload(deps.db, id);
  if (!raw) return text("Not found\n", 404);
  if (!raw.raw) {
    return text(`${rawNotStoredNote(raw.raw_dropped_at, raw.location)}\n`, 404);
  }
  return new Response(raw.raw as Uint8Array<ArrayBuffer>, {
    headers: {
      "content-type": "application/octet-stream",
      "content-disposition": `attachment; filename="email-${id}.eml"`,
    },
  });
}
