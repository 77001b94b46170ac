/**
 * Reply templates: plain-text files with `{{variable}}` placeholders, one per template and reply language,
 * built in (embedded in the binary) and overridable from TEMPLATES_DIR. Reply text always comes from here,
 * never from the model. Templates are loaded and checked once at start: an unknown variable or a file name
 * that matches no template is a configuration error, not a broken reply.
 */
import sendInfo from "./templates/send_info.txt" with { type: "text" };
import sendInfoFr from "./templates/send_info.fr.txt" with { type: "text" };
import sendInfoEs from "./templates/send_info.es.txt" with { type: "text" };
import sendInfoDe from "./templates/send_info.de.txt" with { type: "text" };
import createAccount from "./templates/create_account.txt" with { type: "text" };
import createAccountFr from "./templates/create_account.fr.txt" with { type: "text" };
import createAccountEs from "./templates/create_account.es.txt" with { type: "text" };
import createAccountDe from "./templates/create_account.de.txt" with { type: "text" };
import speakToHuman from "./templates/speak_to_human.txt" with { type: "text" };
import speakToHumanFr from "./templates/speak_to_human.fr.txt" with { type: "text" };
import speakToHumanEs from "./templates/speak_to_human.es.txt" with { type: "text" };
import speakToHumanDe from "./templates/speak_to_human.de.txt" with { type: "text" };
import unknown from "./templates/unknown.txt" with { type: "text" };
import unknownFr from "./templates/unknown.fr.txt" with { type: "text" };
import unknownEs from "./templates/unknown.es.txt" with { type: "text" };
import unknownDe from "./templates/unknown.de.txt" with { type: "text" };
import { DEFAULT_BUSINESS } from "../classify/instructions.ts";
import { type Language, REPLY_LANGUAGES } from "../mail/language.ts";
import { flatten } from "./quoting.ts";

/** The template names (file names without `.txt`). */
export const TEMPLATE_NAMES = ["send_info", "create_account", "speak_to_human", "unknown"] as const;
export type TemplateName = typeof TEMPLATE_NAMES[number];

/** The variables a template may use. */
export const TEMPLATE_VARIABLES = [
  "greeting_name",
  "sender_name",
  "subject",
  "pricing_url",
  "docs_url",
  "signup_url",
  "business",
] as const;
export type TemplateVariables = Record<typeof TEMPLATE_VARIABLES[number], string>;

/** The built-in texts: `NAME.txt` is English, `NAME.LANG.txt` the other reply languages. */
const BUILT_IN: Record<Language, Record<TemplateName, string>> = {
  en: { send_info: sendInfo, create_account: createAccount, speak_to_human: speakToHuman, unknown },
  fr: {
    send_info: sendInfoFr,
    create_account: createAccountFr,
    speak_to_human: speakToHumanFr,
    unknown: unknownFr,
  },
  es: {
    send_info: sendInfoEs,
    create_account: createAccountEs,
    speak_to_human: speakToHumanEs,
    unknown: unknownEs,
  },
  de: {
    send_info: sendInfoDe,
    create_account: createAccountDe,
    speak_to_human: speakToHumanDe,
    unknown: unknownDe,
  },
};

/** What a reply says when the message has no subject, in its language. */
const NO_SUBJECT: Record<Language, string> = {
  en: "(no subject)",
  fr: "(sans objet)",
  es: "(sin asunto)",
  de: "(ohne Betreff)",
};

/** Loaded templates: every template in every reply language, and the business they name. */
export interface Templates {
  business: string;
  text: Record<Language, Record<TemplateName, string>>;
  /** Where each text came from: "built-in" or the file's path. */
  source: Record<Language, Record<TemplateName, string>>;
}

/** Options of {@linkcode loadTemplates}. */
export interface LoadTemplatesOptions {
  /** What `{{business}}` becomes (BUSINESS_NAME); default: DEFAULT_BUSINESS.name. */
  business?: string;
}

/**
 * Loads the templates. For each template and language the first that exists wins: `dir/NAME.LANG.txt`,
 * then `dir/NAME.txt` (an operator's own wording, in whatever language they wrote it), then the built-in text.
 * Every problem is reported at once: unreadable files, unknown variables, `.txt` files that name no template.
 */
export async function loadTemplates(dir?: string, options: LoadTemplatesOptions = {}): Promise<Templates> {
  const problems: string[] = [];
  const files = dir ? await templateFiles(dir, problems) : new Map<string, string>();
  const text = {} as Templates["text"];
  const source = {} as Templates["source"];
  for (const language of REPLY_LANGUAGES) {
    text[language] = { ...BUILT_IN[language] };
    source[language] = Object.fromEntries(TEMPLATE_NAMES.map((n) => [n, "built-in"])) as Record<
      TemplateName,
      string
    >;
    for (const name of TEMPLATE_NAMES) {
      const file = [`${name}.${language}.txt`, `${name}.txt`].find((f) => files.has(f));
      if (file) {
        text[language][name] = files.get(file)!;
        source[language][name] = `${dir}/${file}`;
      }
    }
  }
  for (const [file, content] of files) problems.push(...placeholderProblems(`${dir}/${file}`, content));
  if (problems.length > 0) throw new Error(`Cannot use the reply templates:\n  - ${problems.join("\n  - ")}`);
  return { business: options.business ?? DEFAULT_BUSINESS.name, text, source };
}

/** The `.txt` files of TEMPLATES_DIR by name, each checked to be a template of a reply language. */
async function templateFiles(dir: string, problems: string[]): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch (error) {
    problems.push(`TEMPLATES_DIR ${dir}: cannot read the folder (${errorMessage(error)})`);
    return files;
  }
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.name.endsWith(".txt")) continue;
    const m = /^([a-z_]+)(?:\.([a-z]{2}))?\.txt$/.exec(entry.name);
    const known = m && (TEMPLATE_NAMES as readonly string[]).includes(m[1]) &&
      (m[2] === undefined || (REPLY_LANGUAGES as readonly string[]).includes(m[2]));
    if (!known) {
      problems.push(
        `${dir}/${entry.name}: not a template name (expected NAME.txt or NAME.LANG.txt, NAME one of ` +
          `${TEMPLATE_NAMES.join(", ")}, LANG one of ${REPLY_LANGUAGES.join(", ")})`,
      );
      continue;
    }
    try {
      files.set(entry.name, await Deno.readTextFile(`${dir}/${entry.name}`));
    } catch (error) {
      problems.push(`${dir}/${entry.name}: ${errorMessage(error)}`);
    }
  }
  return files;
}

function placeholderProblems(path: string, template: string): string[] {
  const problems: string[] = [];
  const known = TEMPLATE_VARIABLES as readonly string[];
  for (const variable of variablesOf(template)) {
    if (!known.includes(variable)) {
      problems.push(`${path}: unknown variable {{${variable}}} (known: ${TEMPLATE_VARIABLES.join(", ")})`);
    }
  }
  // "{business}" would be sent as written: say how to spell it.
  for (const [, variable] of template.matchAll(/(?<!\{)\{([a-z_]{1,40})\}(?!\})/g)) {
    if (known.includes(variable)) problems.push(`${path}: write {{${variable}}}, not {${variable}}`);
  }
  return problems;
}

/**
 * A reply: template `name` in `language`, filled with `values` and the business name (an empty subject is
 * said in the reply's language), and the language it is known to be written in: not known for an operator's
 * `NAME.txt`, which serves every language.
 */
export function renderReply(
  templates: Templates,
  name: TemplateName,
  options: { language: Language; values: Omit<TemplateVariables, "business"> },
): { text: string; language: Language | undefined } {
  const { language, values } = options;
  const text = renderTemplate(templates.text[language][name], {
    ...values,
    subject: values.subject || NO_SUBJECT[language],
    business: templates.business,
  });
  const source = templates.source[language][name];
  const known = source === "built-in" || source.endsWith(`.${language}.txt`);
  return { text, language: known ? language : undefined };
}

/** Fills a template. Values are inserted as plain text, on one line each. */
export function renderTemplate(template: string, values: TemplateVariables): string {
  return template.replace(/\{\{\s*([a-z_]{1,40})\s*\}\}/g, (whole, name: string) => {
    const value = (values as Record<string, string>)[name];
    return value === undefined ? whole : [...flatten(value)].slice(0, 300).join("");
  });
}

function variablesOf(template: string): string[] {
  return [...template.matchAll(/\{\{\s*([^}]{1,60}?)\s*\}\}/g)].map((m) => m[1]);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
