/**
 * What to do with a classified email: one handler per intent (the seed's send_info, create_account,
 * speak_to_human, unknown, plus reserved), each returning the effects it wants, then one policy that removes
 * automatic replies wherever a careful person would not send one. Pure: the routing job stores the result.
 */
import type { Intent } from "../classify/intents.ts";
import { conversationLines, type FollowUp, isThanksOnly, linkText } from "./conversation.ts";
import { addressOf, replySubject } from "./mime.ts";
import { inertName, inertQuote, oneLine, slackEscape } from "./quoting.ts";
import { domainOf, sendersDomain } from "./reply_domain.ts";
import { renderReply, type TemplateName, type Templates } from "./templates.ts";
import type { Language } from "../mail/language.ts";

/** The email as routing sees it. */
export interface RoutableEmail {
  id: number;
  messageId: string;
  messageIdGenerated: boolean;
  sender: string;
  senderName: string | null;
  replyTo: string | null;
  subject: string | null;
  body: string | null;
  references: string | null;
  intent: Intent;
  automated: boolean;
  autoReplyOk: boolean;
  reasons: string[];
  receivedAt: Date;
  /** The delivery whose bytes a forward attaches. */
  rawId: number;
  /** Set when the email follows earlier messages (it answers our reply, or an earlier email). */
  followUp?: FollowUp | null;
  /** The language of the sender's own text, which replies are written in; English when unset. */
  language?: Language;
  /** The reply address's entry on the suppression list (bounces, complaints, or a person), when it has one. */
  suppression?: { address: string; reason: string } | null;
}

/** The settings routing needs. */
export interface PlanConfig {
  replyFrom: string;
  humanEmail: string | undefined;
  ownAddresses: readonly string[];
  /** Which webhook targets exist (a URL is set, or the file transport writes them). */
  webhooks: { crm: boolean; escalation: boolean };
  pricingUrl: string;
  docsUrl: string;
  signupUrl: string;
  ackHumanReply: boolean;
  unknownAutoReply: boolean;
  automatedAction: "none" | "handoff";
  templates: Templates;
  /** CONSOLE_URL: hand-offs carry the link to the email's page (`<url>/emails/<id>`). */
  consoleUrl?: string;
}

/** A reply or forward: a complete message, so that every retry sends the same bytes. */
export interface MessagePayload {
  from: string;
  to: string[];
  subject: string;
  text: string;
  message_id: string;
  in_reply_to?: string;
  references?: string[];
  auto_submitted?: "auto-replied" | "auto-generated";
  /** Forwards attach the original delivery. */
  attach_raw_id?: number;
  /** The language detected in the sender's mail (English when unsure). */
  language?: Language;
  /** The language a reply is written in, when known (its Content-Language). */
  content_language?: Language;
}

/** A webhook: its target and JSON body (with a Slack-compatible `text`). */
export interface WebhookPayload {
  target: "crm" | "escalation";
  body: Record<string, unknown>;
}

/**
 * One effect a handler wants. A `fallback` is stored only if a reply of the same plan ends withheld by the
 * reply window (decided when it is stored): the hand-off that replaces the reply.
 */
export type Effect =
  | { kind: "reply"; purpose: string; payload: MessagePayload; fallback?: boolean }
  | { kind: "forward"; purpose: string; payload: MessagePayload; fallback?: boolean }
  | { kind: "webhook"; purpose: string; payload: WebhookPayload; fallback?: boolean };

/** A reply the policy withheld, and why. */
export interface Suppressed {
  purpose: string;
  reason: string;
  payload: MessagePayload;
}

/** The routing decision. */
export interface Plan {
  effects: Effect[];
  suppressed: Suppressed[];
  /** Why a follow-up needs nothing more (it only thanks us); unset otherwise. */
  closed?: string;
}

type Handler = (email: RoutableEmail, config: PlanConfig) => Effect[];

/**
 * Characters of inbound text a reply quotes: a greeting name and a subject are recognisable at 40 and 80
 * (RFC 5322 suggests 78-character lines), and too short to carry someone else's message.
 */
const QUOTED_NAME = 40;
const QUOTED_SUBJECT = 80;
/** Characters of one value in a hand-off: enough for any real name, address or subject. */
const FIELD = 200;
const ADDRESS = 254;

/** One handler per intent: given the email and its classification, the effects to perform. */
export const HANDLERS: Record<Intent, Handler> = {
  send_info: (e, c) => [reply(e, c, "send_info", "send_info_reply")],
  create_account: (e, c) => [
    ...webhook(e, c, "crm", "crm_task", `Sign-up request from ${who(e)}: ${oneLine(e.subject ?? "", FIELD)}`),
    reply(e, c, "create_account", "signup_reply"),
  ],
  speak_to_human: (e, c) => [
    ...handoff(e, c, "escalation", `${who(e)} asks for a person`),
    ...(c.ackHumanReply ? [reply(e, c, "speak_to_human", "ack_reply")] : []),
  ],
  unknown: (e, c) => [
    ...handoff(e, c, "triage", `Mail to triage from ${who(e)}`),
    ...(c.unknownAutoReply ? [reply(e, c, "unknown", "ack_reply")] : []),
  ],
  // No classifier gives it today; should one, a person sees the mail rather than nobody.
  reserved: (e, c) => handoff(e, c, "triage", `Mail from ${who(e)} (intent: reserved)`),
};

/**
 * The handler's effects, with the policy applied. Every email a person wrote ends answered or with a person:
 * a reply the policy withholds brings a hand-off instead (unless the mail is spam or a virus), a reply that
 * may go carries a fallback hand-off for the case that the reply window withholds it, and a follow-up in a
 * conversation always goes to a person.
 */
export function plan(email: RoutableEmail, config: PlanConfig): Plan {
  if (email.automated) {
    // Bounces, auto-replies and lists: never an automatic reply (mail loops, backscatter).
    const effects = config.automatedAction === "handoff"
      ? handoff(email, config, "triage", "Automated mail")
      : [];
    return { effects, suppressed: [] };
  }
  if (email.followUp) return followUpPlan(email, email.followUp, config);
  const wanted = HANDLERS[email.intent](email, config);
  const effects: Effect[] = [];
  const suppressed: Suppressed[] = [];
  for (const effect of wanted) {
    if (effect.kind !== "reply") {
      effects.push(effect);
      continue;
    }
    const why = replyBlocked(email, effect.payload.to[0], config);
    if (why) suppressed.push({ purpose: effect.purpose, reason: why, payload: effect.payload });
    else effects.push(effect);
  }
  if (isSpam(email)) return { effects: [], suppressed };
  // When the handler already reaches people (escalation, CRM task), that is the hand-off.
  if (effects.some((e) => e.kind !== "reply")) return { effects, suppressed };
  if (suppressed.length > 0) {
    // Human mail we may not answer automatically goes to a person instead, with the reason in the headline.
    const headline = `Mail from ${who(email)} that was not auto-answered: ${
      [...new Set(suppressed.map((x) => x.reason))].join("; ")
    }`;
    effects.push(...handoff(email, config, "triage", headline));
  } else if (effects.length > 0) {
    const headline = `Mail from ${
      who(email)
    } whose automatic reply did not go (AUTO_REPLY_WINDOW, a suppressed address, or it failed)`;
    effects.push(...handoff(email, config, "withheld", headline).map((e) => ({ ...e, fallback: true })));
  }
  return { effects, suppressed };
}

/**
 * A follow-up goes to a person whatever its intent, with its conversation, and never gets a second automatic
 * reply; a sign-up's CRM task is kept. One that only thanks us for a reply we sent is closed instead.
 */
function followUpPlan(email: RoutableEmail, followUp: FollowUp, config: PlanConfig): Plan {
  const reason = `follow-up in conversation ${followUp.conversationId} (${
    linkText(followUp.link)
  }): a person answers it`;
  const wanted = HANDLERS[email.intent](email, config);
  const suppressed = wanted.filter((e) => e.kind === "reply").map((e) => ({
    purpose: e.purpose,
    reason,
    payload: e.payload as MessagePayload,
  }));
  if (isSpam(email)) return { effects: [], suppressed };
  // Closed only when our reply went to this very sender (a stranger can name our predictable Message-IDs).
  const ourCustomer = followUp.items.some((m) =>
    m.kind === "email" && m.emailId !== email.id && m.from.toLowerCase() === email.sender.toLowerCase()
  );
  if (followUp.link === "our_reply" && ourCustomer && isThanksOnly(email.body ?? "")) {
    return {
      effects: [],
      suppressed,
      closed:
        `closed: the follow-up only thanks us for our automatic reply (conversation ${followUp.conversationId})`,
    };
  }
  const crm = wanted.filter((e) => e.kind === "webhook" && e.payload.target === "crm");
  const headline = `Follow-up from ${who(email)} in conversation ${followUp.conversationId}`;
  return { effects: [...crm, ...handoff(email, config, "follow_up", headline)], suppressed };
}

function isSpam(email: RoutableEmail): boolean {
  return email.reasons.some((r) => /^(spam|virus)-verdict:fail/i.test(r));
}

/** Why no automatic reply may go to `to`, or undefined when it may. */
function replyBlocked(email: RoutableEmail, to: string | undefined, config: PlanConfig): string | undefined {
  if (!email.autoReplyOk) return `auto_reply_ok is false: ${email.reasons.join(", ") || "rules"}`;
  if (!to) return "no address to reply to";
  if (isOwn(to, config)) return `recipient ${to} is one of our own addresses`;
  if (email.suppression && email.suppression.address === to.trim().toLowerCase()) {
    return suppressedReason(email.suppression.address, email.suppression.reason);
  }
  if (!sendersDomain(to, email.sender)) {
    return `Reply-To ${to} is not on the From domain ${domainOf(email.sender)}`;
  }
  return undefined;
}

/** Why a reply to a suppressed address is withheld (routing and delivery say it alike). */
export function suppressedReason(address: string, reason: string): string {
  return `recipient ${address} is on the suppression list: ${reason}`;
}

function isOwn(address: string, config: PlanConfig): boolean {
  const a = address.toLowerCase();
  const own = [...config.ownAddresses, addressOf(config.replyFrom), config.humanEmail?.toLowerCase() ?? ""];
  return own.some((o) => o !== "" && (o.startsWith("@") ? a.endsWith(o) : a === o));
}

function reply(e: RoutableEmail, c: PlanConfig, template: TemplateName, purpose: string): Effect {
  const to = (e.replyTo || e.sender).toLowerCase();
  // What the reply quotes of the message is short and inert: no link or address of the sender's choosing.
  const name = inertName(e.senderName ?? "", QUOTED_NAME);
  const subject = inertQuote(e.subject ?? "", QUOTED_SUBJECT);
  const language = e.language ?? "en";
  const rendered = renderReply(c.templates, template, {
    language,
    values: {
      greeting_name: name ? ` ${name}` : "",
      sender_name: name,
      subject,
      pricing_url: c.pricingUrl,
      docs_url: c.docsUrl,
      signup_url: c.signupUrl,
    },
  });
  return {
    kind: "reply",
    purpose,
    payload: {
      from: c.replyFrom,
      to: [to],
      subject: replySubject(subject),
      text: rendered.text,
      message_id: effectMessageId(e.id, purpose, c.replyFrom),
      // RFC 3834: refer to the original, unless its Message-ID is one we made up.
      ...(e.messageIdGenerated ? {} : {
        in_reply_to: e.messageId,
        references: [...(e.references?.match(/<[^<>\s]+>/g) ?? []), e.messageId].slice(-20),
      }),
      auto_submitted: "auto-replied",
      language,
      ...(rendered.language ? { content_language: rendered.language } : {}),
    },
  };
}

/**
 * A hand-off to people: a forward to HUMAN_EMAIL and/or the escalation webhook. Every value in the forward's
 * text is one bounded line, so that a display name or subject cannot add lines that look like ours.
 */
function handoff(e: RoutableEmail, c: PlanConfig, purpose: string, headline: string): Effect[] {
  const effects: Effect[] = [];
  if (c.humanEmail) {
    const sender = oneLine(e.sender, ADDRESS);
    const name = oneLine(e.senderName ?? "", FIELD);
    const replyTo = oneLine(e.replyTo ?? "", ADDRESS);
    const elsewhere = replyTo && !sendersDomain(replyTo, e.sender) ? " (not on the From domain)" : "";
    effects.push({
      kind: "forward",
      purpose: `${purpose}_forward`,
      payload: {
        from: c.replyFrom,
        to: [c.humanEmail],
        subject: oneLine(`[${e.intent}] ${e.subject ?? "(no subject)"}`, 250),
        text: [
          oneLine(headline, 2 * FIELD + ADDRESS) + ".",
          "",
          `From: ${name ? `${name} <${sender}>` : sender}`,
          ...(replyTo && replyTo !== sender ? [`Reply-To: ${replyTo}${elsewhere}`] : []),
          `Subject: ${oneLine(e.subject ?? "", FIELD)}`,
          `Intent: ${e.intent}${
            e.autoReplyOk ? "" : ` (not auto-answered: ${oneLine(e.reasons.join(", "), 2 * FIELD)})`
          }`,
          `Received: ${e.receivedAt.toISOString()}`,
          ...(c.consoleUrl ? [`Console: ${consoleLink(c.consoleUrl, e.id)}`] : []),
          "",
          "The original message is attached.",
          ...(e.followUp ? ["", "This is a follow-up.", ...conversationLines(e.followUp)] : []),
        ].join("\n"),
        message_id: effectMessageId(e.id, `${purpose}_forward`, c.replyFrom),
        auto_submitted: "auto-generated",
        attach_raw_id: e.rawId,
        language: e.language ?? "en",
      },
    });
  }
  effects.push(...webhook(e, c, "escalation", purpose, headline));
  return effects;
}

function webhook(
  e: RoutableEmail,
  c: PlanConfig,
  target: "crm" | "escalation",
  purpose: string,
  text: string,
) {
  if (!c.webhooks[target]) return [];
  // Slack-compatible `text`: our own "> " quote marker stays markup, every value from the mail is escaped.
  const excerpt = slackEscape(oneLine(e.body ?? "", 500));
  const line = slackEscape(oneLine(text, 2 * FIELD + ADDRESS));
  return [{
    kind: "webhook" as const,
    purpose,
    payload: {
      target,
      body: {
        text: `${line}${excerpt ? `\n> ${excerpt}` : ""}`,
        event: purpose,
        language: e.language ?? "en",
        ...(c.consoleUrl ? { console_url: consoleLink(c.consoleUrl, e.id) } : {}),
        ...(e.followUp ? { follow_up: true, conversation: conversationJson(e.followUp) } : {}),
        email: {
          id: e.id,
          message_id: e.messageId,
          sender: e.sender,
          sender_name: e.senderName,
          reply_to: e.replyTo,
          subject: e.subject,
          intent: e.intent,
          auto_reply_ok: e.autoReplyOk,
          received_at: e.receivedAt.toISOString(),
        },
      },
    },
  }];
}

/** The email's page in the console (CONSOLE_URL has no trailing slash: config.ts strips it). */
function consoleLink(base: string, id: number): string {
  return `${base}/emails/${id}`;
}

/** The conversation of a follow-up as a webhook carries it. */
function conversationJson(f: FollowUp) {
  return {
    id: f.conversationId,
    link: f.link,
    messages: f.items.map((m) => ({
      kind: m.kind,
      email_id: m.emailId,
      at: m.at.toISOString(),
      from: m.from,
      subject: m.subject,
      excerpt: oneLine(m.excerpt, 500),
    })),
  };
}

function who(e: RoutableEmail): string {
  const sender = oneLine(e.sender, ADDRESS);
  const name = oneLine(e.senderName ?? "", FIELD);
  return name ? `${name} <${sender}>` : sender || "an unknown sender";
}

/** A stable Message-ID for an effect: a retried delivery sends the same one, so duplicates can be spotted. */
function effectMessageId(emailId: number, purpose: string, from: string): string {
  const domain = addressOf(from).split("@")[1] ?? "ses-daemon-bot.invalid";
  return `<ses-daemon-bot.${emailId}.${purpose}@${domain}>`;
}
