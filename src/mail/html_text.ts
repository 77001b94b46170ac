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
  let out = "";
  let i = 0;
  while (i < text.length) {
    const amp = text.indexOf("&", i);
    if (amp < 0) break;
    out += text.slice(i, amp);
    // Entity names are short: only look a few characters ahead, which keeps this linear.
    const near = text.slice(amp + 1, amp + 12).indexOf(";");
    const semi = near < 0 ? -1 : amp + 1 + near;
    if (semi > amp) {
      const name = text.slice(amp + 1, semi);
      let decoded: string | undefined;
      if (name[0] === "#") {
        const code = name[1] === "x" || name[1] === "X"
          ? parseInt(name.slice(2), 16)
          : parseInt(name.slice(1), 10);
        if (Number.isFinite(code) && code > 0 && code <= 0x10ffff) decoded = String.fromCodePoint(code);
      } else {
        decoded = ENTITIES[name];
      }
      if (decoded !== undefined) {
        out += decoded;
        i = semi + 1;
        continue;
      }
    }
    out += "&";
    i = amp + 1;
  }
  return out + text.slice(i);
}

function isHidden(attrs: string): boolean {
  const a = attrs.toLowerCase().replace(/\s+/g, "");
  return a.includes("display:none") || a.includes("visibility:hidden") || a.includes("font-size:0;") ||
    a.includes("font-size:0px") || a.includes('font-size:0"') || a.includes('aria-hidden="true"') ||
    /(^|["'\s])hidden(=|["'\s]|$)/.test(attrs.toLowerCase());
}

/** Converts an HTML document or fragment to plain text. */
export function htmlToText(html: string): string {
  const lines: string[] = [];
  let line = "";
  let quoteDepth = 0;
  let pendingSpace = false;
  // While skipping the content of an element, its name and how many of it are open.
  let skipTag = "";
  let skipDepth = 0;

  const newline = () => {
    lines.push(line.trimEnd());
    line = "";
    pendingSpace = false;
  };
  const emit = (text: string) => {
    for (let k = 0; k < text.length; k++) {
      const c = text[k];
      if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f") {
        pendingSpace = line.length > 0;
        continue;
      }
      if (line.length === 0 && quoteDepth > 0) line = "> ".repeat(quoteDepth);
      if (pendingSpace) line += " ";
      pendingSpace = false;
      line += c;
    }
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
      if (line.length > 0) newline();
      quoteDepth = Math.max(0, quoteDepth + (closing ? -1 : 1));
      continue;
    }
    if (BLOCK.has(name)) {
      if (name === "br" || line.length > 0) newline();
      if (!closing && name === "li") emit("- ");
    } else if (name === "td" || name === "th") {
      pendingSpace = line.length > 0;
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
