/** UTF-7 (RFC 2152), which no TextDecoder knows; mail from old Exchange and Outlook Express still uses it. */

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_VALUE[B64.charCodeAt(i)] = i;

/**
 * Decodes UTF-7 (RFC 2152): characters stand for themselves except `+`, which opens a run of modified base64
 * (no padding) of UTF-16BE code units, closed by any character outside base64; a closing `-` is absorbed, and
 * `+-` is a plus sign. Leftover bits of a run (fewer than 16) are dropped, as RFC 2152 says they are zero.
 */
export function decodeUtf7(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c !== "+") {
      const next = text.indexOf("+", i);
      const end = next < 0 ? text.length : next;
      out += text.slice(i, end);
      i = end;
      continue;
    }
    i++;
    if (text[i] === "-") {
      out += "+";
      i++;
      continue;
    }
    let bits = 0;
    let nbits = 0;
    const units: number[] = [];
    while (i < text.length) {
      const code = text.charCodeAt(i);
      const v = code < 128 ? B64_VALUE[code] : -1;
      if (v < 0) break;
      bits = ((bits << 6) | v) & 0xffffff;
      nbits += 6;
      if (nbits >= 16) {
        nbits -= 16;
        units.push((bits >> nbits) & 0xffff);
      }
      i++;
    }
    for (let k = 0; k < units.length; k += 4096) out += String.fromCharCode(...units.slice(k, k + 4096));
    if (text[i] === "-") i++;
  }
  return out;
}
