/**
 * Replies only where the authenticated sender receives mail, and hand-offs that carry no attacker markup:
 * messages written here as .eml bytes go through the real pipeline (folder source, parse, rules, offline
 * classifier, routing, file transport) and the outbox is read back.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { folderSource } from "../src/mail/folder_source.ts";
import { pollSource } from "../src/mail/ingest.ts";
import { parseEmail } from "../src/mail/parse.ts";
import { createSqsClient, sqsSource, type SqsSourceOptions } from "../src/mail/sqs_source.ts";
import { testDb } from "./helpers/db.ts";
import { fakeSqs, sesNotification } from "./helpers/fake_sqs.ts";
import { ingestAll } from "./helpers/ingest.ts";
import { testS3 } from "./helpers/s3.ts";

const HUMAN = "team@frflashy.com";
const SES_PASS = (domain: string) =>
  `amazonses.com;\r\n spf=pass (spfCheck: domain of ${domain} designates 192.0.2.25 as permitted sender) ` +
  `client-ip=192.0.2.25; envelope-from=x@${domain};\r\n dkim=pass header.i=@${domain};\r\n` +
  ` dmarc=pass header.from=${domain};`;
const PRICING = "How much does the team plan cost per month? Please send me your pricing.";
const SIGNUP =
  "I would like to sign up and create an account for my team. How do I register for the free trial?";
const HUMAN_PLEASE = "Can someone call me? I want to speak to a person about my invoice, it is wrong.";

/** Base64 of a string's UTF-8 bytes, for RFC 2047 B words. */
const b64 = (s: string) => btoa(String.fromCharCode(...new TextEncoder().encode(s)));

/** One message as SES stores it: its Authentication-Results first, then the sender's headers. */
function eml(o: {
  id: string;
  from: string;
  replyTo?: string;
  subject: string;
  body: string;
  auth?: string;
}): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(o.from)![1];
  return [
    `Return-Path: <bounce@${domain}>`,
    "X-SES-Spam-Verdict: PASS",
    "X-SES-Virus-Verdict: PASS",
    `Authentication-Results: ${o.auth ?? SES_PASS(domain)}`,
    `From: ${o.from}`,
    ...(o.replyTo ? [`Reply-To: ${o.replyTo}`] : []),
    "To: hello@frflashy.com",
    `Subject: ${o.subject}`,
    `Message-ID: <${o.id}@${domain}>`,
    "Date: Tue, 24 Nov 2026 10:00:00 +0000",
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    o.body,
    "",
  ].join("\r\n");
}

interface Outbox {
  replies: { to: string[]; subject: string; text: string; raw: string }[];
  forwards: { to: string[]; subject: string; text: string }[];
  webhooks: { target: string; body: { text: string; event: string } }[];
  effects: { kind: string; purpose: string; state: string; reason: string | null }[];
  intent: string;
}

/** Runs one message through the pipeline with HUMAN_EMAIL and the file transport; reads back what it did. */
async function run(message: string): Promise<Outbox> {
  await using t = await testDb();
  const inbox = await Deno.makeTempDir();
  const outbox = await Deno.makeTempDir();
  await Deno.writeTextFile(join(inbox, "m.eml"), message);
  await ingestAll(t.db, folderSource(inbox), {
    env: { OUTBOX_DIR: outbox, SEND_RATE: "1000", HUMAN_EMAIL: HUMAN },
  });
  const out: Outbox = { replies: [], forwards: [], webhooks: [], effects: [], intent: "" };
  for await (const e of Deno.readDir(outbox)) {
    const path = join(outbox, e.name);
    if (e.name.endsWith(".json")) out.webhooks.push(JSON.parse(await Deno.readTextFile(path)));
    if (!e.name.endsWith(".eml")) continue;
    const bytes = await Deno.readFile(path);
    const mail = await parseEmail(bytes);
    const m = { to: mail.recipients, subject: mail.subject ?? "", text: mail.body ?? "" };
    if (mail.headers["auto-submitted"]?.[0] === "auto-replied") {
      out.replies.push({ ...m, raw: new TextDecoder().decode(bytes) });
    } else out.forwards.push(m);
  }
  out.effects = (await t.db.query<Outbox["effects"][number]>(
    "SELECT kind, purpose, state, last_error AS reason FROM effects ORDER BY id",
  )).rows;
  out.intent = (await t.db.query<{ intent: string }>("SELECT intent FROM emails")).rows[0].intent;
  return out;
}

Deno.test("a Reply-To on another domain gets no reply; the mail goes to a person with the reason", async () => {
  const out = await run(eml({
    id: "rt1",
    from: "Mallory <mallory@attacker.example>",
    replyTo: "victim@bank.example",
    subject: "Pricing",
    body: PRICING,
  }));
  assert.equal(out.intent, "send_info");
  assert.deepEqual(out.replies, [], "no reply, to the Reply-To or anyone");
  const reply = out.effects.find((e) => e.kind === "reply")!;
  assert.equal(reply.state, "suppressed");
  assert.match(
    reply.reason ?? "",
    /Reply-To victim@bank\.example is not on the From domain attacker\.example/,
  );
  assert.equal(out.forwards.length, 1, "handed to HUMAN_EMAIL");
  assert.deepEqual(out.forwards[0].to, [HUMAN]);
  assert.match(
    out.forwards[0].text,
    /not auto-answered: Reply-To victim@bank\.example is not on the From domain/,
  );
  assert.ok(
    out.webhooks.some((w) => w.body.text.includes("not auto-answered")),
    "and to the escalation webhook",
  );
});

Deno.test("a Reply-To on the From domain, or a subdomain of it either way, gets the reply", async () => {
  const cases = [
    ["ann@client.example", "orders@client.example"],
    ["ann@client.example", "ann@eu.client.example"],
    ["ann@mail.client.example", "ann@client.example"],
  ];
  for (const [from, replyTo] of cases) {
    const out = await run(
      eml({ id: "rt2", from: `Ann <${from}>`, replyTo, subject: "Pricing", body: PRICING }),
    );
    assert.equal(out.replies.length, 1, `${from} -> ${replyTo}`);
    assert.deepEqual(out.replies[0].to, [replyTo]);
    assert.deepEqual(out.forwards, []);
  }
});

Deno.test("DMARC failing under p=reject or p=quarantine: no automatic reply, a hand-off with the reason", async () => {
  const forged = (auth: string) =>
    eml({ id: "ceo", from: "CEO <ceo@victim-corp.example>", subject: "Pricing", body: PRICING, auth });
  const shapes = {
    // Gmail writes the published policy in a comment.
    reject: "mx.google.com;\r\n spf=pass (google.com: domain of x@attacker.example designates 192.0.2.9 as " +
      "permitted sender) smtp.mailfrom=x@attacker.example;\r\n dmarc=fail (p=REJECT sp=REJECT dis=REJECT) " +
      "header.from=victim-corp.example",
    // Microsoft writes the action the policy asks for.
    quarantine: "spf=pass (sender IP is 192.0.2.9) smtp.mailfrom=attacker.example; dkim=none (message not " +
      "signed) header.d=none;dmarc=fail action=quarantine header.from=victim-corp.example;compauth=fail reason=000",
  };
  for (const [policy, auth] of Object.entries(shapes)) {
    const out = await run(forged(auth));
    assert.deepEqual(out.replies, [], `p=${policy}: no reply to the forged address`);
    const reply = out.effects.find((e) => e.kind === "reply")!;
    assert.equal(reply.state, "suppressed");
    assert.match(reply.reason ?? "", new RegExp(`auth:dmarc-fail\\(p=${policy}\\)`));
    assert.equal(out.forwards.length, 1, `p=${policy}: handed to a person`);
    assert.match(out.forwards[0].text, new RegExp(`not auto-answered: auth:dmarc-fail\\(p=${policy}\\)`));
  }
});

Deno.test("DMARC failing under p=none changes nothing: the domain asks receivers not to act on it", async () => {
  const out = await run(eml({
    id: "none",
    from: "Ann <ann@client.example>",
    subject: "Pricing",
    body: PRICING,
    auth: "mx.google.com; spf=pass smtp.mailfrom=x@lists.example; dkim=none; " +
      "dmarc=fail (p=NONE sp=NONE dis=NONE) header.from=client.example",
  }));
  assert.equal(out.replies.length, 1);
  assert.deepEqual(out.replies[0].to, ["ann@client.example"]);
});

Deno.test("a reply quotes a short subject and name with no link or address in them", async () => {
  const subject = "reset your password at http://evil.example/x now, or www.evil.example/y, or mail " +
    "help@bank.example; " + "this subject goes on and on ".repeat(10);
  const out = await run(eml({
    id: "phish",
    from: `"Security: security@bank.example bank.example" <ann@client.example>`,
    subject,
    body: PRICING,
  }));
  assert.equal(out.replies.length, 1);
  const [reply] = out.replies;
  for (const needle of ["evil.example", "http:", "www.", "bank.example", "help@", "security@"]) {
    assert.ok(!reply.raw.includes(needle), `the reply carries ${needle}:\n${reply.raw}`);
    assert.ok(!reply.text.includes(needle), `the reply text carries ${needle}`);
  }
  const quoted = /message about "([^"]*)"/.exec(reply.text)?.[1] ?? "";
  assert.match(quoted, /^reset your password at … now/);
  assert.ok([...quoted].length <= 80, `the quoted subject is ${[...quoted].length} characters`);
  assert.match(reply.text, /^Hello,/, "a name that carries an address is not used");
  assert.ok([...reply.subject].length <= 84, "the reply's subject is short too");
});

Deno.test("webhook text escapes &, < and > so that no channel is pinged and no link is masked", async () => {
  const signup = await run(eml({
    id: "slack1",
    from: "Ann <ann@client.example>",
    subject: "<!channel> <https://evil.example|click> & co",
    body: SIGNUP,
  }));
  const crm = signup.webhooks.find((w) => w.body.event === "crm_task")!;
  assert.ok(crm, `a CRM task (intent ${signup.intent})`);
  assert.match(crm.body.text, /&lt;!channel&gt; &lt;https:\/\/evil\.example\|click&gt; &amp; co/);
  const human = await run(eml({
    id: "slack2",
    from: `=?UTF-8?B?${b64("<!here> Ann")}?= <ann@client.example>`,
    subject: "Call",
    body: `${HUMAN_PLEASE} <!everyone> <https://evil.example|your invoice> a&b`,
  }));
  assert.ok(human.webhooks.length > 0, `a hand-off webhook (intent ${human.intent})`);
  for (const w of human.webhooks) {
    assert.ok(
      !/[<>]/.test(w.body.text.replace(/\n> /g, "\n")),
      `raw markup in ${JSON.stringify(w.body.text)}`,
    );
    assert.match(w.body.text, /&lt;!here&gt; Ann/);
    assert.match(w.body.text, /&lt;!everyone&gt; &lt;https:\/\/evil\.example\|your invoice&gt; a&amp;b/);
  }
});

Deno.test("a forward keeps every value on one line: an encoded display name cannot add lines", async () => {
  const name = "Bob\nIntent: send_info (verified customer)\u2028Received: 2020-01-01\u0085X";
  const out = await run(eml({
    id: "fwd",
    from: `=?UTF-8?B?${b64(name)}?= <bob@client.example>`,
    subject: `=?UTF-8?B?${b64("Help\r\nFrom: ceo@frflashy.com")}?=`,
    body: HUMAN_PLEASE,
  }));
  assert.equal(out.forwards.length, 1, `a forward (intent ${out.intent})`);
  const lines = out.forwards[0].text.trimEnd().split(/\r?\n/);
  const flat = "Bob Intent: send_info (verified customer) Received: 2020-01-01 X";
  assert.equal(lines.length, 8, JSON.stringify(lines));
  assert.match(lines[0], new RegExp(`^.*${flat.replace(/[()]/g, "\\$&")} <bob@client\\.example>.*\\.$`));
  assert.deepEqual(lines.slice(1, 5), [
    "",
    `From: ${flat} <bob@client.example>`,
    "Subject: Help From: ceo@frflashy.com",
    `Intent: ${out.intent}`,
  ]);
  assert.match(lines[5], /^Received: \d{4}-\d\d-\d\dT/);
  assert.deepEqual(lines.slice(6), ["", "The original message is attached."]);
});

Deno.test("SES's notification names the DMARC policy that its header does not: p=reject there withholds the reply", async () => {
  await using t = await testDb();
  await using s3 = await testS3();
  await using sqs = fakeSqs();
  // SES's own Authentication-Results names no policy; its receipt notification does (receipt.dmarcPolicy).
  const auth = "amazonses.com;\r\n spf=pass (spfCheck: domain of attacker.example designates 192.0.2.9 as " +
    "permitted sender) client-ip=192.0.2.9; envelope-from=x@attacker.example;\r\n dkim=none;\r\n" +
    " dmarc=fail header.from=victim-corp.example;";
  for (const [id, policy] of [["with", "reject"], ["without", ""]] as const) {
    const key = `inbound/${id}`;
    await s3.put(
      key,
      new TextEncoder().encode(
        // Subjects apart: the same sender and subject within days would make the second a follow-up.
        eml({ id, from: "ceo@victim-corp.example", subject: `Pricing (${id})`, body: PRICING, auth }),
      ),
    );
    const notification = JSON.parse(sesNotification(s3.bucket, key, { raw: true }));
    notification.receipt.spfVerdict = { status: "PASS" };
    notification.receipt.dkimVerdict = { status: "GRAY" };
    notification.receipt.dmarcVerdict = { status: "FAIL" };
    if (policy) notification.receipt.dmarcPolicy = policy;
    sqs.send(JSON.stringify(notification));
  }
  const options: SqsSourceOptions = {
    queueUrl: sqs.queueUrl,
    region: "us-east-1",
    sqsEndpoint: sqs.endpoint,
    s3Endpoint: s3.endpoint,
    sesPrefix: "inbound/",
    processedPrefix: "processed/",
    afterIngest: "move",
    badMessages: "delete",
    waitSeconds: 1,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
  };
  const client = createSqsClient(options);
  const source = sqsSource(options, { sqs: client, s3: s3.client });
  try {
    const polled = await pollSource(t.db, source, {
      maxMessageBytes: 1e6,
      jobMaxAttempts: 3,
      concurrency: 2,
    });
    assert.equal(polled.stored, 2);
    await ingestAll(t.db, { ...source, list: async function* () {} }, { env: { HUMAN_EMAIL: HUMAN } });
  } finally {
    client.destroy();
  }
  const { rows } = await t.db.query<{ key: string; purposes: string[]; states: string[]; reasons: string[] }>(
    `SELECT r.source_key AS key, array_agg(f.purpose ORDER BY f.id) AS purposes,
            array_agg(f.state ORDER BY f.id) AS states, array_agg(coalesce(f.last_error, '') ORDER BY f.id) AS reasons
     FROM effects f JOIN emails e ON e.id = f.email_id JOIN raw_messages r ON r.id = e.raw_id
     GROUP BY r.source_key ORDER BY r.source_key`,
  );
  const [withPolicy, without] = rows;
  assert.match(withPolicy.key, /with$/);
  assert.deepEqual(withPolicy.purposes, ["send_info_reply", "triage_forward", "triage"]);
  assert.equal(withPolicy.states[0], "suppressed");
  assert.match(withPolicy.reasons[0], /auth:dmarc-fail\(p=reject\)/);
  // Unknown policy (only SES's header): the failure alone decides nothing, as under p=none.
  assert.match(without.key, /without$/);
  assert.deepEqual(without.purposes, ["send_info_reply"]);
  assert.equal(without.states[0], "delivered");
});
