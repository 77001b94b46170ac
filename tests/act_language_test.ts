import assert from "node:assert/strict";
import { join } from "node:path";
import { loadTemplates, renderReply, TEMPLATE_NAMES, TEMPLATE_VARIABLES } from "../src/act/templates.ts";
import { folderSource } from "../src/mail/folder_source.ts";
import { REPLY_LANGUAGES } from "../src/mail/language.ts";
import { type ParsedEmail, parseEmail } from "../src/mail/parse.ts";
import { copyEml } from "./helpers/cli.ts";
import { CORPUS_DIR } from "./helpers/corpus.ts";
import { testDb } from "./helpers/db.ts";
import { ingestAll } from "./helpers/ingest.ts";

/** A plain UTF-8 message from `from`. */
function eml(from: string, subject: string, body: string): string {
  return [
    `From: ${from}`,
    "To: hello@frflashy.com",
    `Subject: ${subject}`,
    `Message-ID: <${crypto.randomUUID()}@client.example>`,
    "Date: Thu, 03 Dec 2026 09:00:00 +0000",
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: 8bit",
    "",
    body,
    "",
  ].join("\r\n");
}

/** Hand-written mail: the languages without templates, a too-short one, and English with a French signature. */
const WRITTEN: Record<string, string> = {
  "it.eml": eml(
    "Giulia <giulia@it.example>",
    "Prezzi",
    "Buongiorno, vorrei sapere quanto costa il piano per la nostra azienda di 12 persone. Grazie e cordiali saluti",
  ),
  "short.eml": eml("Luc <luc@short.example>", "Tarifs", "Merci"),
  "en-fr-sig.eml": eml(
    "Jean-Marc Dupuis <jm@sig.example>",
    "Pricing for 20 people",
    [
      "Hi there,",
      "",
      "Could you send me the pricing for the business plan? We are about 20 people and would like to know",
      "whether you offer a discount for annual billing.",
      "",
      "Jean-Marc Dupuis",
      "Directeur administratif et financier",
      "Les Ateliers de la Vallée - 12 rue de la Paix, 75002 Paris",
    ].join("\n"),
  ),
};

/** Corpus mail a person wrote in French, Spanish and German, and one in English. */
const CORPUS = [
  "108-tarifs-ht-ou-ttc.eml",
  "024-precio-plan-equipos.eml",
  "070-fuenf-zugaenge-fuer-kanzlei.eml",
  "054-price-list-bank-transfer.eml",
];

/** Runs the pipeline (file transport) on the corpus mail and the hand-written one; the outbox, parsed. */
async function pipeline(env: Record<string, string> = {}) {
  await using t = await testDb();
  const inbox = await Deno.makeTempDir();
  const outbox = await Deno.makeTempDir();
  await copyEml(CORPUS_DIR, inbox, CORPUS);
  for (const [name, text] of Object.entries(WRITTEN)) await Deno.writeTextFile(join(inbox, name), text);
  await ingestAll(t.db, folderSource(inbox), {
    env: {
      OUTBOX_DIR: outbox,
      SEND_RATE: "1000",
      UNKNOWN_AUTO_REPLY: "true",
      HUMAN_EMAIL: "team@x.example",
      ...env,
    },
  });
  // The sender of each input file, to find its reply by recipient.
  const senders = new Map<string, string>();
  for (const name of [...CORPUS, ...Object.keys(WRITTEN)]) {
    senders.set(name, (await parseEmail(await Deno.readFile(join(inbox, "processed", name)))).sender);
  }
  const replies = new Map<string, ParsedEmail>();
  const forwards: ParsedEmail[] = [];
  const webhooks: { body: Record<string, unknown> }[] = [];
  for await (const e of Deno.readDir(outbox)) {
    if (e.name.endsWith(".json")) webhooks.push(JSON.parse(await Deno.readTextFile(join(outbox, e.name))));
    if (!e.name.endsWith(".eml")) continue;
    const m = await parseEmail(await Deno.readFile(join(outbox, e.name)));
    if (m.headers["auto-submitted"]?.[0] !== "auto-replied") {
      forwards.push(m);
      continue;
    }
    const file = [...senders].find(([, s]) => s === m.recipients[0])?.[0];
    assert.ok(file, `a reply to ${m.recipients[0]} answers one of the inputs`);
    replies.set(file, m);
  }
  return { replies, forwards, webhooks, senders };
}

const GREETING = { en: /^Hello\b/, fr: /^Bonjour\b/, es: /^Hola\b/, de: /^Guten Tag\b/ };

Deno.test("each sender gets the reply in the language of their own text, through the real pipeline", async () => {
  const { replies, forwards, webhooks } = await pipeline();
  const expected: Record<string, keyof typeof GREETING> = {
    "108-tarifs-ht-ou-ttc.eml": "fr",
    "024-precio-plan-equipos.eml": "es",
    "070-fuenf-zugaenge-fuer-kanzlei.eml": "de",
    "054-price-list-bank-transfer.eml": "en",
    "it.eml": "en",
    "short.eml": "en",
    "en-fr-sig.eml": "en",
  };
  for (const [file, lang] of Object.entries(expected)) {
    const reply = replies.get(file);
    assert.ok(reply, `${file} is answered`);
    assert.match(reply.body!, GREETING[lang], `${file}: ${reply.body!.slice(0, 40)}`);
    assert.deepEqual(reply.headers["content-language"], [lang], file);
    assert.match(reply.subject!, /^Re: /, `${file}: the subject prefix stays Re:`);
    assert.match(reply.body!, /FrFlashy/, `${file}: the default business signs`);
  }
  const fr = replies.get("108-tarifs-ht-ou-ttc.eml")!;
  assert.match(fr.body!, /L'équipe FrFlashy/);
  assert.match(fr.body!, /\(Ceci est une réponse automatique\.\)/);
  // Hand-offs say which language the sender wrote in; the forward itself stays in the team's language.
  const languages = webhooks.map((w) => w.body.language);
  assert.ok(languages.includes("de"), `webhooks carry the language: ${languages}`);
  assert.ok(languages.every((l) => typeof l === "string" && /^(en|fr|es|de)$/.test(l)));
  assert.ok(forwards.length > 0 && forwards.every((f) => f.headers["content-language"] === undefined));
});

Deno.test("TEMPLATES_DIR overrides per language: NAME.LANG.txt, then NAME.txt, then the built-in text", async () => {
  const dir = await Deno.makeTempDir();
  // French has its own override; every other language takes the operator's NAME.txt.
  await Deno.writeTextFile(
    `${dir}/send_info.fr.txt`,
    "Bonjour{{greeting_name}}, nos tarifs : {{pricing_url}}\n{{business}}",
  );
  await Deno.writeTextFile(
    `${dir}/send_info.txt`,
    "Hi{{greeting_name}}, our prices: {{pricing_url}}\n{{business}}",
  );
  const templates = await loadTemplates(dir, { business: "Acme" });
  assert.equal(templates.source.fr.send_info, `${dir}/send_info.fr.txt`);
  assert.equal(templates.source.es.send_info, `${dir}/send_info.txt`);
  assert.equal(templates.source.de.create_account, "built-in");
  const values = {
    greeting_name: " Ann",
    sender_name: "Ann",
    subject: "",
    pricing_url: "https://p.example",
    docs_url: "d",
    signup_url: "s",
  };
  assert.deepEqual(renderReply(templates, "send_info", { language: "fr", values }), {
    text: "Bonjour Ann, nos tarifs : https://p.example\nAcme",
    language: "fr",
  });
  // NAME.txt serves every language, so its language is not claimed.
  assert.deepEqual(renderReply(templates, "send_info", { language: "es", values }), {
    text: "Hi Ann, our prices: https://p.example\nAcme",
    language: undefined,
  });
  const unknownDe = renderReply(templates, "unknown", { language: "de", values });
  assert.match(unknownDe.text, /zu „\(ohne Betreff\)“/, "an empty subject is said in the reply's language");
  assert.match(unknownDe.text, /Ihr Team von Acme/);

  const { replies } = await pipeline({ TEMPLATES_DIR: dir, BUSINESS_NAME: "Acme" });
  const fr = replies.get("108-tarifs-ht-ou-ttc.eml")!;
  const es = replies.get("024-precio-plan-equipos.eml")!;
  assert.match(fr.body!, /^Bonjour .*nos tarifs : https:\/\/frflashy\.com\/pricing\s+Acme\s*$/s);
  assert.deepEqual(fr.headers["content-language"], ["fr"]);
  assert.match(es.body!, /^Hi .*our prices:/s);
  assert.equal(es.headers["content-language"], undefined);
  // A template the folder does not override stays built in, in the sender's language, signed by the business.
  const de = replies.get("070-fuenf-zugaenge-fuer-kanzlei.eml")!;
  assert.match(de.body!, /^Guten Tag/);
  assert.match(de.body!, /Ihr Team von Acme/);
  assert.doesNotMatch(de.body!, /FrFlashy/);
});

Deno.test("a template folder with a mistake is refused at start, naming the file", async () => {
  const cases: [string, string, RegExp][] = [
    ["send_info.de.txt", "Hallo {{vorname}}", /send_info\.de\.txt: unknown variable \{\{vorname\}\}/],
    [
      "send_info.it.txt",
      "Buongiorno",
      /send_info\.it\.txt: not a template name .*LANG one of en, fr, es, de/,
    ],
    ["send-info.txt", "Hi", /send-info\.txt: not a template name/],
    ["unknown.fr.txt", "L'équipe {business}", /unknown\.fr\.txt: write \{\{business\}\}, not \{business\}/],
  ];
  for (const [file, text, problem] of cases) {
    const dir = await Deno.makeTempDir();
    await Deno.writeTextFile(`${dir}/${file}`, text);
    await Deno.writeTextFile(`${dir}/notes.md`, "other files are ignored");
    await assert.rejects(() => loadTemplates(dir), problem, file);
  }
  await assert.rejects(
    () => loadTemplates("/nonexistent/templates"),
    /TEMPLATES_DIR .*cannot read the folder/,
  );
});

Deno.test("every built-in template exists in every reply language, in its own words, naming the business", async () => {
  const templates = await loadTemplates(undefined, { business: "Acme" });
  for (const name of TEMPLATE_NAMES) {
    const texts = REPLY_LANGUAGES.map((l) => templates.text[l][name]);
    assert.equal(new Set(texts).size, REPLY_LANGUAGES.length, `${name}: four different texts`);
    for (const [i, text] of texts.entries()) {
      const where = `${name}.${REPLY_LANGUAGES[i]}`;
      assert.match(text, /\{\{business\}\}/, where);
      assert.doesNotMatch(text, /FrFlashy/, `${where}: the business is a placeholder`);
      for (const [, v] of text.matchAll(/\{\{\s*([a-z_]+)\s*\}\}/g)) {
        assert.ok((TEMPLATE_VARIABLES as readonly string[]).includes(v), `${where}: {{${v}}}`);
      }
    }
  }
});
