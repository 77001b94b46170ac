import assert from "node:assert/strict";
import { isThanksOnly } from "../src/act/conversation.ts";

Deno.test("a follow-up is closed as a thank-you only when a thank-you is all it says", () => {
  const closed = [
    "Thanks!",
    "Thanks, that's all I needed!\n\nAl",
    "Thank you so much!\nJo",
    "Great, thanks for the quick reply!\n\nBest,\nAnn Lee",
    "thx",
    "Thanks!\n\nOn Tue, 24 Nov 2026, hello@frflashy.com wrote:\n> Our plans",
  ];
  // Found by an attack review: each was closed with no reply and no hand-off.
  const open = [
    "Thanks. I was charged twice.",
    "Thank you. My account got deleted.",
    "Thanks for nothing. Cancelling.",
    "Thanks! The link is broken.",
    "Perfect. Your pricing page is down.",
    "Thanks; the API returns 500 since yesterday.",
    "Thanks. Payment failed",
    "Thanks. Payment Failed",
    "Cheers. Login broken for whole team.",
    "Gracias, sigue sin funcionar.",
    "Thanks!\n-- \nAlso: why was I charged twice?",
    "Thanks!\n\nBest,\nJo\nP.S. the invoice is wrong, please fix",
    "Thanks!\n\nOn Tue, 24 Nov 2026, hello@frflashy.com wrote:\n> Our plans\n\nActually my account is still locked",
    "Thanks, but it still doesn't work",
    "",
  ];
  for (const t of closed) assert.equal(isThanksOnly(t), true, JSON.stringify(t));
  for (const t of open) assert.equal(isThanksOnly(t), false, JSON.stringify(t));
});
