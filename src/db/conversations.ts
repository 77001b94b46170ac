/** Typed wrappers of `sql/queries/conversations/*.sql`. */
import type { ConversationItem, ThreadLink } from "../act/conversation.ts";
import type { Queryable } from "./client.ts";
import linkConversationSql from "../../sql/queries/conversations/link_conversation.sql" with { type: "text" };
import listConversationSql from "../../sql/queries/conversations/list_conversation.sql" with { type: "text" };

/** Where {@linkcode linkConversation} put an email. */
export interface ConversationLink {
  conversation_id: number;
  /** The email it follows; null when it starts the conversation. */
  parent_id: number | null;
  link: ThreadLink | null;
}

/**
 * Links an email to the conversation it follows (by the Message-IDs it names, else by guess within
 * `guessWindowMs`), once; returns the stored link.
 */
export async function linkConversation(
  q: Queryable,
  p: { emailId: number; refs: string[]; guessWindowMs: number },
): Promise<ConversationLink> {
  const { rows } = await q.query<ConversationLink>(linkConversationSql, [p.emailId, p.refs, p.guessWindowMs]);
  if (!rows[0]) throw new Error(`Cannot link email ${p.emailId} to a conversation: no such email`);
  return rows[0];
}

/** The latest `limit` messages of a conversation in order, each text cut to `excerptChars`. */
export async function listConversation(
  q: Queryable,
  p: { conversationId: number; excerptChars: number; limit: number },
): Promise<ConversationItem[]> {
  const { rows } = await q.query<
    {
      kind: "email" | "reply";
      email_id: number;
      at: Date;
      sender: string;
      subject: string | null;
      excerpt: string | null;
    }
  >(listConversationSql, [p.conversationId, p.excerptChars, p.limit]);
  return rows.map((r) => ({
    kind: r.kind,
    emailId: r.email_id,
    at: r.at,
    from: r.sender,
    subject: r.subject,
    excerpt: r.excerpt ?? "",
  }));
}
