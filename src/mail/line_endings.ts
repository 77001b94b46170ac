/**
 * Line endings as old gateways write them. postal-mime ends a line at LF only, so a message with bare-CR
 * endings (classic Mac OS mailers, some carriers' gateways) reads as one endless header line: of 74 such real
 * bounces none was recognised as automated and 27 were stored without a sender. Before parsing, every line
 * break (CRLF, LF, a bare CR, or a run of CRs before an LF as broken relays write "\r\r\n") becomes CRLF. The
 * bytes stored in `raw_messages` are never changed: only the copy handed to the parser is.
 */

const CR = 0x0d;
const LF = 0x0a;

/**
 * The message with every line break as CRLF, or the input itself when every CR is followed by LF (the common
 * case: LF and CRLF, even mixed, parse alike, so nothing is copied).
 */
export function normalizeLineEndings(raw: Uint8Array): Uint8Array {
  const first = firstBareCr(raw);
  if (first < 0) return raw;
  // At most one extra byte per bare CR (CR -> CRLF); a bare LF grows by one too. Counted first so that a
  // 40 MB message makes one allocation of the exact size.
  let extra = 0;
  for (let i = first; i < raw.length; i++) {
    const b = raw[i];
    if (b === CR) {
      let j = i;
      while (j + 1 < raw.length && raw[j + 1] === CR) j++;
      if (j + 1 < raw.length && raw[j + 1] === LF) {
        extra += 2 - (j + 2 - i); // a run of CRs then LF becomes one CRLF
        i = j + 1;
      } else extra += 1; // a bare CR becomes CRLF
    } else if (b === LF) extra += 1; // a bare LF becomes CRLF
  }
  const out = new Uint8Array(raw.length + extra);
  out.set(raw.subarray(0, first));
  let o = first;
  for (let i = first; i < raw.length; i++) {
    const b = raw[i];
    if (b === CR) {
      let j = i;
      while (j + 1 < raw.length && raw[j + 1] === CR) j++;
      if (j + 1 < raw.length && raw[j + 1] === LF) i = j + 1;
      out[o++] = CR;
      out[o++] = LF;
    } else if (b === LF) {
      out[o++] = CR;
      out[o++] = LF;
    } else out[o++] = b;
  }
  return o === out.length ? out : out.subarray(0, o);
}

/** The index of the first CR not followed by LF (a bare CR, or the first of "\r\r\n"), or -1. */
function firstBareCr(raw: Uint8Array): number {
  for (let i = raw.indexOf(CR); i >= 0; i = raw.indexOf(CR, i + 1)) {
    if (raw[i + 1] !== LF) return i;
  }
  return -1;
}
