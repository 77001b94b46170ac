/**
 * Reply templates: plain-text files with `{{variable}}` placeholders, built in (embedded in the binary) and
 * overridable from TEMPLATES_DIR. Reply text always comes from here, never from the model. Templates are
 * loaded and checked once at start: an unknown variable is a configuration error, not a broken reply.
 */
import sendInfo from "./templates/send_info.txt" with { type: "text" };
import createAccount from "./templates/create_account.txt" with { type: "text" };
import speakToHuman from "./templates/speak_to_human.txt" with { type: "text" };
import unknown from "./templates/unknown.txt" with { type: "text" };
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
] as const;
export type TemplateVariables = Record<typeof TEMPLATE_VARIABLES[number], string>;

const BUILT_IN: Record<TemplateName, string> = {
  send_info: sendInfo,
  create_account: createAccount,
  speak_to_human: speakToHuman,
  unknown,
};

/** Loaded templates. */
export type Templates = Record<TemplateName, string>;

/** Loads the templates: built-in, with any `NAME.txt` of `dir` replacing its built-in one. */
export async function loadTemplates(dir?: string): Promise<Templates> {
  const templates = { ...BUILT_IN };
  const problems: string[] = [];
  for (const name of TEMPLATE_NAMES) {
    if (dir) {
      try {
        templates[name] = await Deno.readTextFile(`${dir}/${name}.txt`);
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) {
          problems.push(`${dir}/${name}.txt: ${error instanceof Error ? error.message : error}`);
        }
      }
    }
    for (const variable of variablesOf(templates[name])) {
      if (!(TEMPLATE_VARIABLES as readonly string[]).includes(variable)) {
        problems.push(
          `template ${name}: unknown variable {{${variable}}} (known: ${TEMPLATE_VARIABLES.join(", ")})`,
        );
      }
    }
  }
  if (problems.length > 0) throw new Error(`Cannot use the reply templates:\n  - ${problems.join("\n  - ")}`);
  return templates;
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
