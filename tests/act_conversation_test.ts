import assert from "node:assert/strict";
import { join } from "node:path";
import { folderSource } from "../src/mail/folder_source.ts";
import { parseEmail } from "../src/mail/parse.ts";
import type { Db } from "../src/db/client.ts";
import { copyEml } from "./helpers/cli.ts";
import { CORPUS_DIR } from "./helpers/corpus.ts";
import { testDb } from "./helpers/db.ts";
import { ingestAll } from "./helpers/ingest.ts";

const ENV = { SEND_RATE: "1000", HUMAN_EMAIL: "team@frflashy.com" };

/** The messages in an outbox folder, parsed, by file name. */
async function outboxMail(dir: string) {
  const out = [];
  for await (const e of Deno.readDir(dir)) {
    if (!e.name.endsWith(".eml")) continue;
    out.push({ file: e.name, mail: await parseEmail(await Deno.readFile(join(dir, e.name))) });
  }
  return out;
}

const autoReplies = async (dir: string) =>
  (await outboxMail(dir)).filter((m) => m.mail.headers["auto-submitted"]?.[0] === "auto-replied");

/** A customer's answer to one of our replies, quoting it, as mail clients write it. */
function answer(
  reply: Awaited<ReturnType<typeof outboxMail>>[number]["mail"],
  n: number,
  text: string,
): string {
  const refs = [reply.references ?? "", reply.messageId ?? ""].join(" ").trim();
  return [
    `From: ${reply.recipients[0]}`,
    `To: ${reply.sender}`,
    `Subject: Re: ${reply.subject?.replace(/^Re:\s*/i, "")}`,
    `Message-ID: <follow-up-${n}@client.example>`,
    `In-Reply-To: ${reply.messageId}`,
    `References: ${refs}`,
    `Date: Wed, 25 Nov 2026 10:00:00 +0000`,
    "",
    text,
    "",
    `On Tue, 24 Nov 2026, ${reply.sender} wrote:`,
    ...(reply.body ?? "").split("\n").map((l) => `> ${l}`),
    "",
  ].join("\r\n");
}

function mail(h: Record<string, string>, body: string): string {
  return [
    ...Object.entries(h).map(([k, v]) => `${k}: ${v}`),
    "Date: Wed, 25 Nov 2026 11:00:00 +0000",
    "",
    body,
    "",
  ].join("\r\n");
}

interface Row {
  id: number;
  sender: string;
  subject: string | null;
  automated: boolean;
  spam: boolean;
  processed: boolean;
  disposition: string;
  disposition_reason: string | null;
  closed_reason: string | null;
  thread_link: string | null;
  conversation_id: number;
  message_id: string;
  delivered: string[];
}

async function emails(db: Db): Promise<Row[]> {
  return (await db.query<Row>(
    `SELECT e.id, e.sender, e.subject, e.automated, e.processed, e.disposition, e.disposition_reason,
            e.closed_reason, e.thread_link, e.conversation_id, e.message_id,
            EXISTS (SELECT 1 FROM jsonb_array_elements_text(e.rule_reasons) r WHERE r ~* '^(spam|virus)-verdict:fail')
              AS spam,
            array(SELECT f.kind || ':' || f.purpose FROM effects f WHERE f.email_id = e.id AND f.state = 'delivered'
                  ORDER BY f.id) AS delivered
     FROM emails e ORDER BY e.id`,
  )).rows;
}

/** The rule of issue 15 on one email: answered, with a person, or filtered on purpose, and it says which. */
function assertRule(r: Row) {
  const where = `email ${r.id} (${r.sender.slice(0, 60)}: ${r.subject?.slice(0, 60)})`;
  assert.ok(r.processed, `${where} is processed`);
  assert.notEqual(r.disposition, "pending", `${where} has a disposition: ${r.disposition_reason}`);
  assert.ok(r.disposition_reason, `${where} says why`);
  if (r.automated || r.spam) {
    assert.equal(r.disposition, "filtered", where);
    return;
  }
  const replied = r.delivered.some((d) => d.startsWith("reply:"));
  const person = r.delivered.some((d) => !d.startsWith("reply:"));
  assert.ok(
    replied || person || r.closed_reason,
    `${where}: a reply, a hand-off or a CRM task was delivered`,
  );
  assert.equal(r.disposition, person ? "with_person" : "answered", where);
}

Deno.test("every email of the dev corpus and its follow-ups ends answered, with a person, or filtered", async () => {
  await using t = await testDb();
  const inbox = await Deno.makeTempDir();
  const outbox = await Deno.makeTempDir();
  await copyEml(CORPUS_DIR, inbox);
  await ingestAll(t.db, folderSource(inbox), { env: { ...ENV, OUTBOX_DIR: outbox } });
  const first = await emails(t.db);
  first.forEach(assertRule);

  // Every sender who got an automatic reply answers it with one more question.
  const replies = await autoReplies(outbox);
  assert.ok(replies.length > 20, `the corpus gives automatic replies (${replies.length})`);
  for (const [i, r] of replies.entries()) {
    await Deno.writeTextFile(
      join(inbox, `follow-up-${i}.eml`),
      answer(
        r.mail,
        i,
        "Thanks. One more question: does the team plan include the API, and can I pay yearly?",
      ),
    );
  }
  await ingestAll(t.db, folderSource(inbox), { env: { ...ENV, OUTBOX_DIR: outbox } });
  const all = await emails(t.db);
  all.forEach(assertRule);
  const followUps = all.filter((r) => r.message_id.startsWith("<follow-up-"));
  assert.equal(followUps.length, replies.length);
  for (const f of followUps) {
    assert.equal(f.thread_link, "our_reply", `email ${f.id} joins the conversation of our reply`);
    assert.equal(f.disposition, "with_person", `email ${f.id}: a follow-up goes to a person`);
    assert.ok(f.delivered.includes("forward:follow_up_forward"), `email ${f.id}: ${f.delivered}`);
    assert.ok(
      !f.delivered.some((d) => d.startsWith("reply:")),
      `email ${f.id} gets no second automatic reply`,
    );
  }
  assert.equal((await autoReplies(outbox)).length, replies.length, "no automatic reply to any follow-up");

  // The hand-off says it is a follow-up and carries the conversation: the original, our reply, the follow-up.
  const forward = (await outboxMail(outbox)).find((m) => m.file.includes("follow_up_forward"))!;
  assert.match(forward.mail.body ?? "", /This is a follow-up\./);
  assert.match(forward.mail.body ?? "", /our automatic reply/);
  const convo = (forward.mail.body ?? "").match(/^--- /gm) ?? [];
  assert.ok(convo.length >= 3, `the forward lists the conversation (${convo.length} messages)`);
  const hook = JSON.parse(
    await Deno.readTextFile(
      join(outbox, [...Deno.readDirSync(outbox)].find((e) => /follow_up\.json$/.test(e.name))!.name),
    ),
  );
  assert.equal(hook.body.follow_up, true);
  assert.deepEqual(hook.body.conversation.messages.map((m: { kind: string }) => m.kind), [
    "email",
    "reply",
    "email",
  ]);

  const counts = Object.fromEntries(
    ["answered", "with_person", "filtered", "pending"].map((
      d,
    ) => [d, all.filter((r) => r.disposition === d).length]),
  );
  console.log(`dispositions, dev corpus (${first.length}) and follow-ups (${followUps.length}):`, counts);
  assert.equal(counts.pending, 0);
});

Deno.test("conversations without headers, after a hand-off, from a colleague, and a loop attempt", async () => {
  await using t = await testDb();
  const inbox = await Deno.makeTempDir();
  const outbox = await Deno.makeTempDir();
  const ingest = async (name: string, text: string) => {
    await Deno.writeTextFile(join(inbox, name), text);
    await ingestAll(t.db, folderSource(inbox), { env: { ...ENV, OUTBOX_DIR: outbox } });
  };
  const pricing = "How much does the team plan cost per month? Please send me your pricing.";
  await ingest(
    "1.eml",
    mail({
      From: "Bo <bo@client.example>",
      To: "hello@frflashy.com",
      Subject: "Pricing",
      "Message-ID": "<p1@c>",
    }, pricing),
  );
  // The same sender, the same subject behind prefixes, no threading headers: guessed to follow it.
  await ingest(
    "2.eml",
    mail(
      {
        From: "bo@client.example",
        To: "hello@frflashy.com",
        Subject: "AW: RE : pricing",
        "Message-ID": "<p2@c>",
      },
      "Sorry, I forgot: do you have a discount for charities?",
    ),
  );
  // A colleague at the same company with the same subject: a conversation of its own.
  await ingest(
    "3.eml",
    mail(
      { From: "al@client.example", To: "hello@frflashy.com", Subject: "Pricing", "Message-ID": "<p3@c>" },
      pricing,
    ),
  );
  // A person asks for a person (hand-off), then writes again in that thread.
  await ingest(
    "4.eml",
    mail(
      {
        From: "cy@shop.example",
        To: "hello@frflashy.com",
        Subject: "Billing problem",
        "Message-ID": "<h1@s>",
      },
      "I was charged twice this month. Can a person from billing call me please?",
    ),
  );
  await ingest(
    "5.eml",
    mail({
      From: "cy@shop.example",
      To: "hello@frflashy.com",
      Subject: "Re: Billing problem",
      "Message-ID": "<h2@s>",
      "In-Reply-To": "<h1@s>",
      References: "<h1@s>",
    }, "Any news? It is urgent."),
  );
  // An auto-responder answers our reply to Bo: automated, nothing is sent to it.
  const ours = (await t.db.query<{ message_id: string }>(
    "SELECT f.message_id FROM effects f JOIN emails e ON e.id = f.email_id WHERE e.message_id = '<p1@c>' AND f.kind = 'reply'",
  )).rows[0].message_id;
  await ingest(
    "6.eml",
    mail({
      From: "bo@client.example",
      To: "hello@frflashy.com",
      Subject: "Automatic reply: Re: Pricing",
      "Message-ID": "<ooo@c>",
      "In-Reply-To": ours,
      "Auto-Submitted": "auto-replied",
    }, "I am out of the office until Monday."),
  );
  // A thank-you for our reply closes the conversation without a hand-off.
  await ingest(
    "7.eml",
    mail({
      From: "al@client.example",
      To: "hello@frflashy.com",
      Subject: "Re: Pricing",
      "Message-ID": "<thx@c>",
      "In-Reply-To": (await t.db.query<{ message_id: string }>(
        "SELECT f.message_id FROM effects f JOIN emails e ON e.id = f.email_id WHERE e.message_id = '<p3@c>' AND f.kind = 'reply'",
      )).rows[0].message_id,
    }, "Thanks, that's all I needed!\r\n\r\nAl"),
  );

  // A stranger naming our reply to Bo (our Message-IDs are predictable) is not closed: a person sees it.
  await ingest(
    "8.eml",
    mail({
      From: "eve@other.example",
      To: "hello@frflashy.com",
      Subject: "Re: Pricing",
      "Message-ID": "<eve@o>",
      "In-Reply-To": ours,
    }, "Thanks!"),
  );
  const rows = new Map((await emails(t.db)).map((r) => [r.message_id, r]));
  for (const r of rows.values()) assertRule(r);
  const get = (id: string) => rows.get(id)!;
  assert.equal(get("<p1@c>").disposition, "answered");
  assert.equal(get("<p2@c>").thread_link, "guessed");
  assert.equal(get("<p2@c>").conversation_id, get("<p1@c>").id);
  assert.equal(get("<p2@c>").disposition, "with_person");
  assert.ok(get("<p2@c>").delivered.includes("forward:follow_up_forward"));
  assert.equal(get("<p3@c>").thread_link, null, "another address is not the same conversation");
  assert.notEqual(get("<p3@c>").conversation_id, get("<p1@c>").conversation_id);
  assert.equal(get("<p3@c>").disposition, "answered");
  assert.equal(get("<h1@s>").disposition, "with_person");
  assert.equal(get("<h2@s>").thread_link, "header");
  assert.equal(get("<h2@s>").conversation_id, get("<h1@s>").id);
  assert.ok(get("<h2@s>").delivered.includes("forward:follow_up_forward"));
  assert.equal(get("<ooo@c>").automated, true);
  assert.equal(get("<ooo@c>").disposition, "filtered");
  assert.deepEqual(get("<ooo@c>").delivered, []);
  assert.equal(get("<thx@c>").thread_link, "our_reply");
  assert.equal(get("<thx@c>").disposition, "answered");
  assert.match(get("<thx@c>").closed_reason ?? "", /only thanks us/);
  assert.deepEqual(get("<thx@c>").delivered, []);
  assert.equal(get("<eve@o>").thread_link, "our_reply");
  assert.equal(get("<eve@o>").disposition, "with_person");
  // Bo got one automatic reply in all, Al one, Cy an acknowledgement at most.
  const to = (await autoReplies(outbox)).map((r) => r.mail.recipients[0]).sort();
  assert.deepEqual(to.filter((a) => a !== "cy@shop.example"), ["al@client.example", "bo@client.example"]);
});

Deno.test("a huge subject, sender and References list thread in bounded work and are stored whole", async () => {
  await using t = await testDb();
  const inbox = await Deno.makeTempDir();
  const subject = "Re: " + "pricing ".repeat(20_000);
  const refs = Array.from({ length: 5_000 }, (_, i) => `<r${i}@x.example>`).join(" ");
  const sender = `${"a".repeat(3_000)}@client.example`;
  for (const n of [1, 2]) {
    await Deno.writeTextFile(
      join(inbox, `${n}.eml`),
      mail({
        From: sender,
        To: "hello@frflashy.com",
        Subject: subject,
        "Message-ID": `<big${n}@c>`,
        References: refs,
      }, "How much?"),
    );
  }
  await ingestAll(t.db, folderSource(inbox), { env: ENV });
  const rows = await emails(t.db);
  assert.equal(rows.length, 2);
  rows.forEach(assertRule);
  assert.equal(rows[0].subject?.length, subject.trim().length);
  assert.equal(rows[1].thread_link, "guessed");
});
