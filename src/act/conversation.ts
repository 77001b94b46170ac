/**
 * Conversations as routing sees them: which Message-IDs an email answers, the earlier messages of its
 * conversation, and whether a follow-up only thanks us. Pure; `src/db/conversations.ts` stores the links.
 */
import { oneLine as quotingOneLine } from "./quoting.ts";

/** How an email joined its conversation. */
export type ThreadLink = "our_reply" | "our_forward" | "header" | "guessed";

/** One message of a conversation: an email we received, or a reply we sent. */
export interface ConversationItem {
  kind: "email" | "reply";
  emailId: number;
  at: Date;
  from: string;
  subject: string | null;
  /** The start of its text, on one line. */
  excerpt: string;
}

/** An email that follows earlier messages: its conversation and how it was linked to it. */
export interface FollowUp {
  conversationId: number;
  parentId: number;
  link: ThreadLink;
  /** The conversation in order, this email last; at most the latest {@linkcode MAX_ITEMS}. */
  items: ConversationItem[];
}

/** Messages of a conversation a hand-off carries (the latest). */
export const MAX_ITEMS = 20;
/** Characters of each message's text a hand-off carries. */
export const EXCERPT_CHARS = 500;
/** At most this many Message-IDs of In-Reply-To and References are looked up (RFC 5322 lists can be long). */
const MAX_REFS = 20;

/**
 * The Message-IDs an email answers, nearest first: In-Reply-To, then References from its end (the most
 * recent message). Bounded: a hostile header with thousands of ids costs one regular-expression pass.
 */
export function threadRefs(inReplyTo: string | null, references: string | null): string[] {
  const ids = (text: string | null) => (text ?? "").slice(0, 20_000).match(/<[^<>\s]{1,250}>/g) ?? [];
  const out: string[] = [];
  for (const id of [...ids(inReplyTo), ...ids(references).reverse()]) {
    if (!out.includes(id)) out.push(id);
    if (out.length === MAX_REFS) break;
  }
  return out;
}

/** A thank-you and nothing else: the phrase, what it thanks for, and a closing word. Lower-cased input. */
const THANKS_ONLY = new RegExp(
  String.raw`^(?:(?:ok|okay|great|perfect|got it|all good|many|hi|hello)[,!.]* )*` +
    String.raw`(?:thanks?|thank you|thx|ty|cheers|merci|danke|gracias)` +
    String.raw`(?: (?:a lot|so much|very much|again|guys|team|you all))*` +
    String
      .raw`(?: for (?:the|your) (?:quick |fast |kind )?(?:reply|answer|response|help|info|information|links?))?` +
    String.raw`[!.,]*(?: (?:that's|that is) all i needed[!.]*)?` +
    String.raw`(?: (?:best|regards|best regards|kind regards|cheers|br|--)[,!.]*)?$`,
);

/**
 * True when a follow-up only thanks us: once quoted lines (">") and the "On … wrote:" line are set aside,
 * everything left is a thank-you phrase (THANKS_ONLY), and at most a last line with one or two capitalised
 * names ("Jo", "Ann Lee"). Deliberately narrow, and read from the whole body (text written below the quote or a
 * sign-off counts): "Thanks. I was charged twice." or "Thanks!\n> …\nStill locked out" go to a person. When
 * unsure the email goes to a person, which costs a minute; a question closed by mistake costs a customer.
 */
export function isThanksOnly(body: string): boolean {
  if (body.length > 20_000) return false;
  const lines = body.split(/\r?\n/)
    .filter((l) => !/^\s*>/.test(l) && !/\bwrote:\s*$|^-{2,} ?original message/i.test(l))
    .map((l) => l.trim()).filter((l) => l !== "");
  // A signature: a last line of its own with one or two capitalised names ("Jo", "Ann Lee").
  if (lines.length > 1 && /^\p{Lu}[\p{Ll}'’-]+(?: \p{Lu}[\p{Ll}'’-]+)?$/u.test(lines.at(-1)!)) lines.pop();
  const own = lines.join(" ").replace(/\s+/g, " ");
  if (own.length === 0 || own.length > 120) return false;
  return THANKS_ONLY.test(own.toLowerCase());
}

/** Text on one line, at most `max` characters (hostile mail must not add lines to what we write). */
export function oneLine(text: string | null | undefined, max = 200): string {
  // Cut first: a megabyte of text costs no more than its first few hundred characters.
  return quotingOneLine((text ?? "").slice(0, max * 4), max);
}

/** The conversation as lines of a forward to people, oldest first. */
export function conversationLines(followUp: FollowUp): string[] {
  const lines = [`Conversation ${followUp.conversationId} (${linkText(followUp.link)}):`];
  for (const item of followUp.items) {
    const who = item.kind === "reply" ? "our automatic reply" : oneLine(item.from, 120);
    lines.push(
      "",
      `--- ${item.at.toISOString()} · ${who} · email ${item.emailId}`,
      `Subject: ${oneLine(item.subject, 200)}`,
      `> ${oneLine(item.excerpt, EXCERPT_CHARS)}`,
    );
  }
  return lines;
}

/** Says how an email was linked to its conversation. */
export function linkText(link: ThreadLink): string {
  switch (link) {
    case "our_reply":
      return "it answers our automatic reply";
    case "our_forward":
      return "it answers a message we forwarded";
    case "header":
      return "its In-Reply-To/References name an earlier email";
    case "guessed":
      return "guessed: same sender and subject within CONVERSATION_GUESS_WINDOW, no threading headers";
  }
}
