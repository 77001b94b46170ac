/**
 * Rules before any model: decide from headers, addresses and a few phrases of the content whether a person
 * wrote a message to us (`automated`) and whether we may answer it automatically (`auto_reply_ok`), with the
 * reasons. Deterministic, pure and cheap: the header checks look at a few short values, the content rules
 * (automated_content.ts) at the first few thousand characters of the body.
 */
import { clip } from "../clip.ts";
import { contentReasons } from "./automated_content.ts";
import type { ParsedEmail } from "./parse.ts";

/** The outcome of {@linkcode assessMail}. */
export interface Disposition {
  /** No person wrote this to us: stored as `unknown`, never sent to a model, never answered. */
  automated: boolean;
  /** We may send an automatic reply. Always false when `automated`. */
  auto_reply_ok: boolean;
  /**
   * Short machine-friendly reasons, e.g. "header:auto-submitted=auto-replied", "spam-verdict:FAIL"; each at
   * most a few hundred characters (`clip`), as some quote the sender (a `List-…` header's name).
   */
  reasons: string[];
}

/** Verdicts of an SES notification ("PASS", "FAIL", "GRAY", "PROCESSING_FAILED"…), used alongside the headers. */
export interface SesVerdicts {
  spam?: string;
  virus?: string;
  spf?: string;
  dkim?: string;
  dmarc?: string;
  /** `receipt.dmarcPolicy`: the From domain's policy, given when DMARC fails ("none", "quarantine", "reject"). */
  dmarcPolicy?: string;
}

/** Options of {@linkcode assessMail}. */
export interface AssessOptions {
  /** Our own addresses: full addresses ("hello@example.com") or whole domains ("@example.com"). */
  ownAddresses: readonly string[];
  /** Verdicts from an SES notification, when the message came with one. */
  verdicts?: SesVerdicts;
}

/** The part of a parsed message the rules read; body, name and attachments feed the content rules. */
export type AssessableMail = Pick<ParsedEmail, "headers" | "sender" | "replyTo" | "subject"> & {
  senderName?: string | null;
  body?: string | null;
  attachments?: readonly { mime_type: string }[] | null;
};

/** Decides `automated` and `auto_reply_ok` for one message. */
export function assessMail(mail: AssessableMail, options: AssessOptions): Disposition {
  const automated = [
    ...headerReasons(mail.headers),
    ...returnPathReasons(mail.headers),
    ...subjectReasons(mail.subject),
  ];
  const blocking: string[] = [];
  const local = localPart(mail.sender);
  const role = automatedLocalPart(local);
  if (role) automated.push(`sender:${role}`);
  // Contact forms and shop systems relay a person's message from a no-reply address, with the person in
  // Reply-To or in the display name ("Marc via Shop"): that is human mail (classified by content), but it
  // still gets no automatic reply. Headers that say automated (lists, Auto-Submitted) win.
  const relay = isNoReply(local) && automated.length === 0 &&
    (personalReplyTo(mail.sender, mail.replyTo, mail.senderName) || relayedName(mail.senderName));
  automated.push(
    ...contentReasons({
      sender: mail.sender,
      subject: mail.subject,
      body: mail.body,
      attachmentTypes: (mail.attachments ?? []).map((a) => a.mime_type),
    }, { relay, systemSender: role !== undefined }),
  );
  if (isNoReply(local)) {
    if (relay && automated.length === 0) blocking.push("sender:noreply-relay");
    else automated.push("sender:noreply");
  }
  blocking.push(...verdictReasons(mail.headers, options.verdicts));
  if (isOwnAddress(mail.sender, options.ownAddresses)) blocking.push("sender:own-address");
  const isAutomated = automated.length > 0;
  return {
    automated: isAutomated,
    auto_reply_ok: !isAutomated && blocking.length === 0,
    // Stored with the email and logged by the classify job: a 200,000-character header name must not be.
    reasons: [...automated, ...blocking].map((reason) => clip(reason)),
  };
}

function first(headers: Record<string, string[]>, name: string): string | undefined {
  return headers[name]?.[0]?.trim();
}

/** Lower-cased first token of a header value ("auto-replied; owner=x" -> "auto-replied"), at most 40 chars. */
function token(value: string): string {
  return value.slice(0, 40).split(/[;\s(]/, 1)[0].toLowerCase();
}

const AUTO_REPLY_HEADERS = ["x-autoreply", "x-autorespond", "x-auto-response-suppress"];

function headerReasons(headers: Record<string, string[]>): string[] {
  const reasons: string[] = [];
  const submitted = first(headers, "auto-submitted");
  if (submitted !== undefined && token(submitted) !== "no") {
    reasons.push(`header:auto-submitted=${token(submitted) || "empty"}`);
  }
  for (const name of AUTO_REPLY_HEADERS) if (headers[name]) reasons.push(`header:${name}`);
  const precedence = token(first(headers, "precedence") ?? "");
  if (precedence === "bulk" || precedence === "junk" || precedence === "list") {
    reasons.push(`header:precedence=${precedence}`);
  }
  // List-Id, List-Unsubscribe, List-Post, List-Help…: only list managers and bulk senders add them.
  const lists = Object.keys(headers).filter((name) => name.startsWith("list-")).sort();
  if (lists.length > 0) reasons.push(`header:${lists[0]}`);
  const type = (first(headers, "content-type") ?? "").slice(0, 200).toLowerCase();
  if (type.startsWith("multipart/report")) reasons.push("content-type:multipart/report");
  if (headers["x-failed-recipients"]) reasons.push("header:x-failed-recipients");
  return reasons;
}

/** A null reverse-path (`<>`) is how bounces and auto-replies avoid mail loops (RFC 5321 4.5.5). */
function returnPathReasons(headers: Record<string, string[]>): string[] {
  const values = headers["return-path"];
  if (!values) return [];
  const value = values[0].trim();
  return value === "" || value.replace(/\s+/g, "") === "<>" ? ["return-path:null"] : [];
}

/**
 * Subject prefixes that mail clients write on auto-replies and bounces, folded to ASCII lower case. Each must be
 * followed by ":", "(" or the end of the subject, so "Out of office next week, can we move the demo?" is not one.
 */
const AUTO_SUBJECT_PREFIXES = [
  "automatic reply",
  "auto reply",
  "auto-reply",
  "autoreply",
  "auto response",
  "out of office",
  "out of the office",
  "reponse automatique",
  "absence du bureau",
  "respuesta automatica",
  "fuera de la oficina",
  "automatische antwort",
  "abwesenheitsnotiz",
  "undeliverable",
  "undelivered mail returned to sender",
  "delivery status notification",
  "mail delivery failed",
  "returned mail",
  "delivery failure",
  "non remis",
  "unzustellbar",
];

function subjectReasons(subject: string | undefined): string[] {
  if (!subject) return [];
  const head = fold(subject.slice(0, 120)).trim();
  for (const prefix of AUTO_SUBJECT_PREFIXES) {
    if (!head.startsWith(prefix)) continue;
    const rest = head.slice(prefix.length).trimStart();
    if (rest === "" || rest[0] === ":" || rest[0] === "(") return [`subject:${prefix.replaceAll(" ", "-")}`];
  }
  return [];
}

function fold(text: string): string {
  return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
}

function localPart(address: string | undefined): string {
  const at = address?.lastIndexOf("@") ?? -1;
  // "bounce+tag@x" and "noreply+tag@x" are the same mailbox as without the tag.
  return at < 0 ? "" : address!.slice(0, at).toLowerCase().split("+", 1)[0];
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf("@") + 1).toLowerCase();
}

function automatedLocalPart(local: string): string | undefined {
  // "post_master", "Postmaster", "mailer_daemon", "MAILER-DAEMON": carriers spell them every way.
  const squashed = local.replace(/[-_.]/g, "");
  if (squashed === "mailerdaemon" || squashed === "maildaemon" || squashed === "mdaemon") {
    return "mailer-daemon";
  }
  if (squashed === "postmaster") return "postmaster";
  if (local.startsWith("owner-") || local.endsWith("-owner")) return "owner-*";
  if (local.endsWith("-request")) return "*-request";
  if (/^bounces?(?:[-_.]|$)/.test(local) || local.endsWith("-bounces")) return "bounces";
  if (FEEDBACK_LOCAL_PARTS.has(squashed)) return "feedback-loop";
  return undefined;
}

/** Mailboxes that providers send complaint (feedback loop) reports and DMARC reports from. */
const FEEDBACK_LOCAL_PARTS = new Set([
  "fbl",
  "feedbackloop",
  "scomp",
  "arf",
  "dmarcreport",
  "dmarcreports",
  "dmarc",
  "complaints",
  "spamreport",
  "junkmailreporting",
]);

/** noreply, no-reply, no_reply, no.reply, donotreply, do-not-reply, noreply-alerts… */
function isNoReply(local: string): boolean {
  const squashed = local.replace(/[-_.]/g, "");
  return squashed.startsWith("noreply") || squashed.startsWith("donotreply") ||
    squashed.startsWith("noresponse");
}

/** Role mailboxes that a vendor's own systems answer from: not a person, so not a relayed human sender. */
const ROLE_LOCAL_PARTS = new Set([
  "notifications",
  "notification",
  "notify",
  "alerts",
  "alert",
  "news",
  "newsletter",
  "marketing",
  "updates",
  "info",
  "support",
  "help",
  "hello",
  "team",
  "billing",
  "accounts",
  "sales",
  "service",
  "contact",
  "admin",
  "orders",
  "order",
  "shop",
  "store",
  "reply",
  "replies",
  "customerservice",
  "customercare",
  "care",
  "office",
  "mail",
  "email",
  "jobs",
  "careers",
  "press",
  "feedback",
  "security",
  "privacy",
  "legal",
  "invoices",
  "invoice",
  "bookings",
  "booking",
  "reservations",
  "events",
  "community",
  "partners",
  "success",
  "enquiries",
  "inquiries",
  "webmaster",
  "hostmaster",
  "abuse",
  "root",
  "forms",
  "form",
  "website",
  "web",
  "crm",
]);

/**
 * A Reply-To that names a different, personal address: not a no-reply or automated mailbox, not a role
 * mailbox. On the sender's own domain (a vendor pointing replies at its desk is still the vendor) it must look
 * like a person's own: a name ("marc.dubois"), or a word of the display name.
 */
function personalReplyTo(sender: string, replyTo: string | undefined, name?: string | null): boolean {
  if (!replyTo || !replyTo.includes("@") || replyTo === sender) return false;
  const local = localPart(replyTo);
  if (isNoReply(local) || automatedLocalPart(local) || isRoleLocalPart(local)) return false;
  if (baseDomain(domainOf(replyTo)) !== baseDomain(domainOf(sender))) return true;
  const words = (name ?? "").toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "").split(/[^a-z]+/)
    .filter((w) => w.length >= 3);
  const parts = local.split(/[._-]/);
  return (/^[a-z]{2,20}[._-][a-z]{2,20}$/.test(local) && !parts.some((p) => isRoleLocalPart(p))) ||
    words.some((w) => parts.includes(w));
}

function isRoleLocalPart(local: string): boolean {
  return ROLE_LOCAL_PARTS.has(local) ||
    /(?:reply|ticket|order|notif|alert|support|news|mailer|system|bot)/.test(local) ||
    /\d{4,}|[0-9a-f]{12,}/.test(local);
}

/** "Marc via Shop", "Marc Dubois (via Contact form)": a platform sending in a person's name. */
function relayedName(name: string | null | undefined): boolean {
  return /^\s*\S.{0,80}?\s\(?via\s+\S.{0,80}$/i.test(name ?? "");
}

/** The last two labels: "accounts.quillstack.example" -> "quillstack.example" (good enough to compare vendors). */
function baseDomain(domain: string): string {
  return domain.split(".").slice(-2).join(".");
}

function isOwnAddress(sender: string, own: readonly string[]): boolean {
  if (!sender) return false;
  const domain = domainOf(sender);
  return own.some((entry) => {
    const e = entry.trim().toLowerCase();
    if (!e.startsWith("@")) return e === sender;
    // "@example.com" covers the domain and its subdomains ("mail.example.com").
    return domain === e.slice(1) || domain.endsWith(`.${e.slice(1)}`);
  });
}

function verdictReasons(headers: Record<string, string[]>, verdicts: SesVerdicts | undefined): string[] {
  const reasons: string[] = [];
  const spam = (verdicts?.spam ?? token(first(headers, "x-ses-spam-verdict") ?? "")).toUpperCase();
  const virus = (verdicts?.virus ?? token(first(headers, "x-ses-virus-verdict") ?? "")).toUpperCase();
  // GRAY and PROCESSING_FAILED mean "could not tell": they do not block by themselves.
  if (spam === "FAIL") reasons.push("spam-verdict:FAIL");
  if (virus === "FAIL") reasons.push("virus-verdict:FAIL");
  const auth = authResults(headers, verdicts);
  if ((auth.spf === "fail" || auth.spf === "softfail") && auth.dkim === "fail" && auth.dmarc === "fail") {
    reasons.push(`auth:likely-spoofed(spf=${auth.spf},dkim=fail,dmarc=fail)`);
  } else if (auth.dmarc === "fail" && (auth.dmarcPolicy === "reject" || auth.dmarcPolicy === "quarantine")) {
    // The From domain asks receivers to distrust mail that fails DMARC: the address may be forged (an SPF pass
    // for the attacker's own envelope domain does not align with it), so no reply goes there. Under p=none,
    // or when no policy is known, the failure alone decides nothing (lists and forwarders break DMARC).
    reasons.push(`auth:dmarc-fail(p=${auth.dmarcPolicy})`);
  }
  return reasons;
}

interface AuthResults {
  spf?: string;
  dkim?: string;
  dmarc?: string;
  /** The strictest policy named where DMARC failed: "reject", "quarantine" or "none". */
  dmarcPolicy?: string;
}

/**
 * spf/dkim/dmarc results. SES puts its own Authentication-Results first; a sender can add forged ones below, so
 * the one whose authserv-id is amazonses.com is read when present, else the first. With several DKIM
 * signatures one pass is enough for DKIM to pass. A verdict from the SES notification wins over a header.
 */
function authResults(headers: Record<string, string[]>, verdicts: SesVerdicts | undefined): AuthResults {
  const all = headers["authentication-results"] ?? [];
  const ses = all.find((v) => v.trimStart().toLowerCase().startsWith("amazonses.com")) ?? all[0] ?? "";
  const found: Record<string, string[]> = {};
  // Bounded: method names are short words, results are short words; the header is cut at 4 KB.
  for (const m of ses.slice(0, 4096).toLowerCase().matchAll(/(?:^|[;\s])(spf|dkim|dmarc)=([a-z]{1,20})/g)) {
    (found[m[1]] ??= []).push(m[2]);
  }
  const pick = (name: string) => {
    const values = found[name];
    if (!values) return undefined;
    return values.includes("pass") ? "pass" : values[0];
  };
  let spf = pick("spf");
  if (spf === undefined) {
    const received = first(headers, "received-spf");
    if (received) spf = token(received);
  }
  const verdict = (v: string | undefined) => v?.toLowerCase();
  const dmarc = verdict(verdicts?.dmarc) ?? pick("dmarc");
  return {
    spf: verdict(verdicts?.spf) ?? spf,
    dkim: verdict(verdicts?.dkim) ?? pick("dkim"),
    dmarc,
    dmarcPolicy: dmarc === "fail"
      ? verdict(verdicts?.dmarcPolicy) ?? dmarcPolicyOf(ses) ?? all.map(dmarcPolicyOf).find((p) => p)
      : undefined,
  };
}

const POLICY_RANK: Record<string, number> = { none: 0, quarantine: 1, reject: 2 };

/**
 * The policy a header names in its failed DMARC result, in the shapes receivers write it: Gmail's comment
 * "dmarc=fail (p=REJECT sp=QUARANTINE dis=NONE)", Microsoft's "dmarc=fail action=oreject" (o: their override
 * of the policy; pct.: sampled out by pct=). The strictest of p, sp and dis, since without the Public Suffix
 * List the applicable one (sp for a subdomain) is unknown. A forged header can only make this stricter: it
 * is read only when the trusted result already says fail. SES's own header names no policy (its notification
 * does, as `receipt.dmarcPolicy`).
 */
function dmarcPolicyOf(header: string): string | undefined {
  const clause = /(?:^|[;\s])dmarc=fail\b([^;]{0,300})/.exec(header.slice(0, 4096).toLowerCase())?.[1];
  if (!clause) return undefined;
  let best: string | undefined;
  for (const m of clause.matchAll(/\b(?:p|sp|dis|action)=(?:o|pct\.)?(none|quarantine|reject)\b/g)) {
    if (best === undefined || POLICY_RANK[m[1]] > POLICY_RANK[best]) best = m[1];
  }
  return best;
}
