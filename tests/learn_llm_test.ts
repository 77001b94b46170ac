import assert from "node:assert/strict";
import { createLlm, routeOptions } from "../src/app.ts";
import { decide } from "../src/classify/decide.ts";
import { loadConfig } from "../src/config.ts";
import { loadLearned } from "../src/learn/store.ts";
import { folderSource } from "../src/mail/folder_source.ts";
import { correctIntent } from "../src/review/actions.ts";
import { testDb } from "./helpers/db.ts";
import { fakeLlm } from "./helpers/fake_llm.ts";
import { ingestAll } from "./helpers/ingest.ts";

function mail(p: { n: number; from: string; subject: string; text: string }): string {
  return [
    `From: <${p.from}>`,
    "To: hello@frflashy.com",
    `Subject: ${p.subject}`,
    `Message-ID: <llm-${p.n}@client.example>`,
    `Date: Wed, 25 Nov 2026 10:0${p.n}:00 +0000`,
    "Content-Type: text/plain; charset=utf-8",
    "",
    p.text,
    "",
  ].join("\r\n");
}

const MARCH = "Where can I find the invoice for my March payment? I need it for our accounting.";

Deno.test("the model is shown the labelled examples most like the email, and the sender's earlier labels", async () => {
  await using llm = fakeLlm({ intent: "send_info" });
  await using t = await testDb();
  const env: Record<string, string> = {
    OUTBOX_DIR: await Deno.makeTempDir(),
    SEND_RATE: "1000",
    OPENAI_API_KEY: "test-key",
    OPENAI_BASE_URL: llm.baseURL,
  };
  const config = loadConfig((name) => env[name]);
  const ingest = async (name: string, text: string) => {
    const dir = await Deno.makeTempDir();
    await Deno.writeTextFile(`${dir}/${name}`, text);
    await ingestAll(t.db, folderSource(dir), { env });
  };
  const id = async (n: number) =>
    (await t.db.query<{ id: number }>("SELECT id FROM emails WHERE message_id = $1", [
      `<llm-${n}@client.example>`,
    ]))
      .rows[0].id;

  await ingest("1.eml", mail({ n: 1, from: "anna@client.example", subject: "Invoice", text: MARCH }));
  assert.equal(llm.requests.length, 1);
  assert.doesNotMatch(llm.requests[0].messages[1].content, /<example-/, "nothing learned yet: no examples");
  await correctIntent(t.db, {
    emailId: await id(1),
    intent: "speak_to_human",
    actor: "test",
    route: await routeOptions(config),
  });

  await ingest(
    "2.eml",
    mail({ n: 2, from: "bob@other.example", subject: "Invoice", text: MARCH.replace("March", "April") }),
  );
  const prompt = llm.requests[1].messages[1].content;
  const nonce = /<email-([0-9a-f]{16})>/.exec(prompt)![1];
  assert.match(
    prompt,
    new RegExp(
      `<example-${nonce}>\\nSubject: Invoice\\n\\n${
        MARCH.replace("?", "\\?")
      }\\n</example-${nonce}>\\nLabel: speak_to_human`,
    ),
  );
  assert.ok(
    prompt.indexOf("<example-") < prompt.indexOf(`<email-${nonce}>`),
    "examples come before the email",
  );
  assert.doesNotMatch(prompt, /Earlier e-mails from this sender/, "bob has no history");
  const { rows: [second] } = await t.db.query<
    { intent: string; learned_from: { how: string; labels: { email_id: number }[] } }
  >(
    "SELECT intent, learned_from FROM emails WHERE id = $1",
    [await id(2)],
  );
  assert.equal(second.intent, "send_info", "the model decides; the example only informs it");
  assert.equal(second.learned_from.how, "prompt");
  assert.deepEqual(second.learned_from.labels.map((l) => l.email_id), [await id(1)]);

  // Anna writes again about something else: her earlier label is a hint.
  await ingest(
    "3.eml",
    mail({ n: 3, from: "anna@client.example", subject: "Hello", text: "Do you have a status page?" }),
  );
  assert.match(
    llm.requests[2].messages[1].content,
    /Earlier e-mails from this sender were labelled: speak_to_human \(subject "Invoice"\)\./,
  );

  // Classifying Anna's first email again never shows it its own label, neither as example nor as hint.
  const learned = await loadLearned(t.db);
  assert.equal(learned.examples.length, 1);
  const before = llm.requests.length;
  await decide({
    headers: {},
    sender: "anna@client.example",
    replyTo: undefined,
    subject: "Invoice",
    body: MARCH,
    messageId: "<llm-1@client.example>",
  }, {
    ownAddresses: ["hello@frflashy.com"],
    maxChars: 4000,
    llm: createLlm(config),
    lastAttempt: true,
    learned,
  });
  const own = llm.requests[before].messages[1].content;
  assert.doesNotMatch(own, /<example-|Earlier e-mails/);
});
