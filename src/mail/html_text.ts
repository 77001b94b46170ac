/**
 * HTML to plain text in one linear pass: no regular expression runs over the whole document, so a hostile
 * 5 MB line or deep nesting costs time in proportion to its size. Drops `<script>`, `<style>`, `<head>` and
 * hidden elements (display:none, visibility:hidden, `hidden`, aria-hidden, zero font size: the usual hiding
 * places of e-mail preheaders and of prompt-injection text); keeps line structure and marks `<blockquote>`
 * content with "> " so that quoted history can be recognised later.
 */

const BLOCK = new Set([
  "address",
  "article",
  "aside",
  "blockquote",
  "br",
  "dd",
  "div",
  "dl",
  "dt",
  "fieldset",
  "figcaption",
  "figure",
  "footer",
  "form",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "header",
  "hr",
  "li",
  "main",
  "nav",
  "ol",
  "p",
  "pre",
  "section",
  "table",
  "tbody",
  "tfoot",
  "thead",
  "tr",
  "ul",
]);
const VOID = new Set([
  "area",
  "base",
  "br",
  "col",
  "embed",
  "hr",
  "img",
  "input",
  "link",
  "meta",
  "source",
  "wbr",
]);
const WHITESPACE_RUNS = /[ \t\n\r\f]+/g;
const MAX_QUOTE_PREFIX = 5;
const SKIP_CONTENT = new Set(["script", "style", "head", "title", "template", "noscript", "svg", "xml"]);

const ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  copy: "©",
  reg: "®",
  euro: "€",
  hellip: "…",
  mdash: "—",
  ndash: "–",
  lsquo: "‘",
  rsquo: "’",
  ldquo: "“",
  rdquo: "”",
  laquo: "«",
  raquo: "»",
  bull: "•",
  middot: "·",
  deg: "°",
  shy: "",
  zwnj: "",
  zwj: "",
  iexcl: "¡",
  iquest: "¿",
  szlig: "ß",
  ccedil: "ç",
  Ccedil: "Ç",
  ntilde: "ñ",
  Ntilde: "Ñ",
  oelig: "œ",
  aelig: "æ",
};
for (
  const [base, letters] of [
    ["acute", "aeiouyAEIOUY"],
    ["grave", "aeiouAEIOU"],
    ["circ", "aeiouAEIOU"],
    [
      "uml",
      "aeiouyAEIOU",
    ],
    ["tilde", "aoAO"],
    ["ring", "aA"],
  ] as const
) {
  const mark =
    { acute: "\u0301", grave: "\u0300", circ: "\u0302", uml: "\u0308", tilde: "\u0303", ring: "\u030a" }[
      base
    ];
  for (const l of letters) ENTITIES[l + base] = (l + mark).normalize("NFC");
}

/** Decodes the HTML character references in `text` (named ones of the table above, decimal and hex). */
export function decodeEntities(text: string): string {
  if (!text.includes("&")) return text;
  // Bounded alternatives without nested quantifiers: one linear pass of the regex engine.
  return text.replace(ENTITY, (whole, name: string) => {
    if (name[0] !== "#") return ENTITIES[name] ?? whole;
    const code = name[1] === "x" || name[1] === "X"
      ? parseInt(name.slice(2), 16)
      : parseInt(name.slice(1), 10);
    return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

const ENTITY = /&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[A-Za-z]{2,8});/g;

function isHidden(attrs: string): boolean {
  const a = attrs.toLowerCase().replace(/\s+/g, "");
  return a.includes("display:none") || a.includes("visibility:hidden") || a.includes("font-size:0;") ||
    a.includes("font-size:0px") || a.includes('font-size:0"') || a.includes('aria-hidden="true"') ||
    /(^|["'\s])hidden(=|["'\s]|$)/.test(attrs.toLowerCase());
}

/** Converts an HTML document or fragment to plain text. */
export function htmlToText(html: string): string {
  const lines: string[] = [];
  // The current line as chunks: appending one character at a time to a string was superlinear on 4 MB.
  let parts: string[] = [];
  let lineLen = 0;
  let quoteDepth = 0;
  let pendingSpace = false;
  // While skipping the content of an element, its name and how many of it are open.
  let skipTag = "";
  let skipDepth = 0;

  const push = (chunk: string) => {
    parts.push(chunk);
    lineLen += chunk.length;
  };
  const newline = () => {
    lines.push(parts.join("").trimEnd());
    parts = [];
    lineLen = 0;
    pendingSpace = false;
  };
  // One regex pass collapses whitespace and one chunk is pushed per text run (splitting into words made
  // millions of parts on a big paragraph, and the garbage collector made that superlinear).
  const emit = (text: string) => {
    const collapsed = text.replace(WHITESPACE_RUNS, " ");
    const core = collapsed.trim();
    if (core === "") {
      if (collapsed !== "") pendingSpace = lineLen > 0;
      return;
    }
    if (collapsed[0] === " ") pendingSpace = lineLen > 0;
    // The prefix depth is capped: 8,000 nested blockquotes must not make 8,000 "> " per line.
    if (lineLen === 0 && quoteDepth > 0) push("> ".repeat(Math.min(quoteDepth, MAX_QUOTE_PREFIX)));
    if (pendingSpace) push(" ");
    push(core);
    pendingSpace = collapsed[collapsed.length - 1] === " ";
  };

  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf("<", i);
    const textEnd = lt < 0 ? html.length : lt;
    if (skipDepth === 0 && textEnd > i) emit(decodeEntities(html.slice(i, textEnd)));
    if (lt < 0) break;
    if (html.startsWith("<!--", lt)) {
      const end = html.indexOf("-->", lt + 4);
      i = end < 0 ? html.length : end + 3;
      continue;
    }
    const gt = html.indexOf(">", lt + 1);
    if (gt < 0) {
      if (skipDepth === 0) emit(html.slice(lt));
      break;
    }
    const tag = html.slice(lt + 1, gt);
    i = gt + 1;
    const closing = tag.startsWith("/");
    let n = closing ? 1 : 0;
    let name = "";
    while (n < tag.length && /[A-Za-z0-9]/.test(tag[n])) name += tag[n++];
    name = name.toLowerCase();
    if (name === "") {
      if (skipDepth === 0 && !tag.startsWith("!") && !tag.startsWith("?")) emit(decodeEntities(`<${tag}>`));
      continue;
    }
    const selfClosing = tag.endsWith("/") || VOID.has(name);
    if (skipDepth > 0) {
      if (name === skipTag && !selfClosing) skipDepth += closing ? -1 : 1;
      continue;
    }
    if (!closing && !selfClosing && (SKIP_CONTENT.has(name) || isHidden(tag.slice(n)))) {
      skipTag = name;
      skipDepth = 1;
      continue;
    }
    if (name === "blockquote") {
      if (lineLen > 0) newline();
      quoteDepth = Math.max(0, quoteDepth + (closing ? -1 : 1));
      continue;
    }
    if (BLOCK.has(name)) {
      if (name === "br" || lineLen > 0) newline();
      if (!closing && name === "li") emit("- ");
    } else if (name === "td" || name === "th") {
      pendingSpace = lineLen > 0;
    } else if (name === "img" && !closing) {
      // Alt text carries meaning in image-only mail ("Sign up now"); keep it.
      const alt = /\balt\s*=\s*"([^"]*)"/i.exec(tag);
      if (alt && alt[1].trim()) emit(decodeEntities(alt[1]));
    }
  }
  newline();
  // Collapse runs of blank lines to one.
  const out: string[] = [];
  for (const l of lines) {
    if (l === "" && (out.length === 0 || out[out.length - 1] === "")) continue;
    out.push(l);
  }
  while (out.length > 0 && out[out.length - 1] === "") out.pop();
  return out.join("\n");
}
