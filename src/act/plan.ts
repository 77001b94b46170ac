/**
 * What to do with a classified email: one handler per intent (the seed's send_info, create_account,
 * speak_to_human, unknown, plus reserved), each returning the effects it wants, then one policy that removes
 * automatic replies wherever a careful person would not send one. Pure: the routing job stores the result.
 */
import type { Intent } from "../classify/intents.ts";
import { addressOf, replySubject } from "./mime.ts";
import { inertName, inertQuote, oneLine, slackEscape } from "./quoting.ts";
import { domainOf, sendersDomain } from "./reply_domain.ts";
import { renderTemplate, type TemplateName, type Templates } from "./templates.ts";

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
  unsafeAction: "none" | "handoff";
  templates: Templates;
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
}

/** A webhook: its target and JSON body (with a Slack-compatible `text`). */
export interface WebhookPayload {
  target: "crm" | "escalation";
  body: Record<string, unknown>;
}

/** One effect a handler wants. */
export type Effect =
  | { kind: "reply"; purpose: string; payload: MessagePayload }
  | { kind: "forward"; purpose: string; payload: MessagePayload }
  | { kind: "webhook"; purpose: string; payload: WebhookPayload };

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
  // Recorded (the email is stored and classified) and nothing else: no intent uses it today.
  reserved: () => [],
};

/** The handler's effects, with the policy applied. */
export function plan(email: RoutableEmail, config: PlanConfig): Plan {
  if (email.automated) {
    // Bounces, auto-replies and lists: never an automatic reply (mail loops, backscatter).
    const effects = config.automatedAction === "handoff"
      ? handoff(email, config, "triage", "Automated mail")
      : [];
    return { effects, suppressed: [] };
  }
  const wanted = HANDLERS[email.intent](email, config);
  const effects: Effect[] = [];
  const suppressed: Suppressed[] = [];
  const spam = email.reasons.some((r) => /^(spam|virus)-verdict:fail/i.test(r));
  const forPerson: string[] = [];
  for (const effect of wanted) {
    if (effect.kind !== "reply") {
      effects.push(effect);
      continue;
    }
    const why = replyBlocked(email, effect.payload.to[0], config);
    if (!why) {
      effects.push(effect);
      continue;
    }
    suppressed.push({ purpose: effect.purpose, reason: why.reason, payload: effect.payload });
    if (why.toPerson) forPerson.push(why.reason);
  }
  // Human mail we may not answer automatically goes to a person instead, unless it is spam or a virus; when
  // the handler already reaches people (escalation, CRM task), that is the hand-off.
  if (forPerson.length > 0 && !effects.some((e) => e.kind !== "reply")) {
    if (!spam && config.unsafeAction === "handoff") {
      const headline = `Mail from ${who(email)} that was not auto-answered: ${
        [...new Set(forPerson)].join("; ")
      }`;
      effects.push(...handoff(email, config, "triage", headline));
    }
  }
  if (spam) return { effects: [], suppressed };
  return { effects, suppressed };
}

/**
 * Why no automatic reply may go to `to`, and whether the mail then goes to a person (not for our own
 * addresses: that is a loop, not a message to answer), or undefined when it may.
 */
function replyBlocked(
  email: RoutableEmail,
  to: string | undefined,
  config: PlanConfig,
): { reason: string; toPerson: boolean } | undefined {
  if (!email.autoReplyOk) {
    return { reason: `auto_reply_ok is false: ${email.reasons.join(", ") || "rules"}`, toPerson: true };
  }
  if (!to) return { reason: "no address to reply to", toPerson: true };
  if (isOwn(to, config)) return { reason: `recipient ${to} is one of our own addresses`, toPerson: false };
  if (!sendersDomain(to, email.sender)) {
    return { reason: `Reply-To ${to} is not on the From domain ${domainOf(email.sender)}`, toPerson: true };
  }
  return undefined;
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
  const text = renderTemplate(c.templates[template], {
    greeting_name: name ? ` ${name}` : "",
    sender_name: name,
    subject: subject || "(no subject)",
    pricing_url: c.pricingUrl,
    docs_url: c.docsUrl,
    signup_url: c.signupUrl,
  });
  return {
    kind: "reply",
    purpose,
    payload: {
      from: c.replyFrom,
      to: [to],
      subject: replySubject(subject),
      text,
      message_id: effectMessageId(e.id, purpose, c.replyFrom),
      // RFC 3834: refer to the original, unless its Message-ID is one we made up.
      ...(e.messageIdGenerated ? {} : {
        in_reply_to: e.messageId,
        references: [...(e.references?.match(/<[^<>\s]+>/g) ?? []), e.messageId].slice(-20),
      }),
      auto_submitted: "auto-replied",
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
          "",
          "The original message is attached.",
        ].join("\n"),
        message_id: effectMessageId(e.id, `${purpose}_forward`, c.replyFrom),
        auto_submitted: "auto-generated",
        attach_raw_id: e.rawId,
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
