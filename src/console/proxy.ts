/**
 * A trusted reverse proxy (oauth2-proxy, an SSO gateway) that has already authenticated the person: its
 * requests carry the user's name in a header (CONSOLE_TRUSTED_USER_HEADER, e.g. X-Forwarded-User), and they
 * are believed only when they come from one of CONSOLE_TRUSTED_PROXIES (addresses or CIDR ranges). The same
 * header from anyone else is ignored, so a client that reaches the console directly cannot claim a name.
 */

/** An address range: the family, its first address as a number, and the prefix length. */
export interface Cidr {
  v6: boolean;
  base: bigint;
  bits: number;
}

/** The longest user name accepted from the header; longer ones are refused. */
const MAX_USER_CHARS = 200;

function parseV4(text: string): bigint | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let n = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    n = (n << 8n) | BigInt(p);
  }
  return n;
}

function parseV6(text: string): bigint | null {
  let t = text.toLowerCase();
  // An IPv4 tail (::ffff:10.0.0.1) becomes two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(t);
  if (v4) {
    const n = parseV4(v4[1]);
    if (n === null) return null;
    t = t.slice(0, -v4[1].length) + `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const halves = t.split("::");
  if (halves.length > 2) return null;
  const groups = (s: string) => s === "" ? [] : s.split(":");
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...head, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  let n = 0n;
  for (const g of all) {
    if (!/^[0-9a-f]{1,4}$/.test(g)) return null;
    n = (n << 16n) | BigInt(parseInt(g, 16));
  }
  return n;
}

/** An address as (family, number); IPv4-mapped IPv6 (::ffff:a.b.c.d) counts as IPv4. Null if invalid. */
export function parseAddress(text: string): { v6: boolean; n: bigint } | null {
  const t = text.trim().replace(/^\[(.*)\]$/, "$1");
  if (!t.includes(":")) {
    const n = parseV4(t);
    return n === null ? null : { v6: false, n };
  }
  const n = parseV6(t);
  if (n === null) return null;
  if (n >> 32n === 0xffffn) return { v6: false, n: n & 0xffffffffn };
  return { v6: true, n };
}

/** Parses "10.0.0.1, 10.1.0.0/16, ::1": the ranges, and what could not be read. */
export function parseProxies(text: string): { cidrs: Cidr[]; invalid: string[] } {
  const cidrs: Cidr[] = [];
  const invalid: string[] = [];
  for (const item of text.split(",").map((s) => s.trim()).filter(Boolean)) {
    const [addr, bitsText, extra] = item.split("/");
    const a = parseAddress(addr);
    const max = a?.v6 ? 128 : 32;
    const bits = bitsText === undefined ? max : /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : NaN;
    if (!a || extra !== undefined || !(bits >= 0 && bits <= max)) {
      invalid.push(item);
      continue;
    }
    const shift = BigInt(max - bits);
    cidrs.push({ v6: a.v6, base: (a.n >> shift) << shift, bits });
  }
  return { cidrs, invalid };
}

/** Whether `address` lies in one of `cidrs`. */
export function inRanges(address: string, cidrs: readonly Cidr[]): boolean {
  const a = parseAddress(address);
  if (!a) return false;
  return cidrs.some((c) => {
    if (c.v6 !== a.v6) return false;
    const shift = BigInt((c.v6 ? 128 : 32) - c.bits);
    return (a.n >> shift) << shift === c.base;
  });
}

/** The trusted proxy: which header names the user, and which peers may set it. */
export class TrustedProxy {
  readonly header: string;
  constructor(header: string, readonly cidrs: readonly Cidr[]) {
    this.header = header.toLowerCase();
  }

  /**
   * The user a request is from: the header's value when the peer (`client`, the TCP peer's address, never
   * X-Forwarded-For) is a trusted proxy and the value is a plausible name; otherwise null.
   */
  userOf(req: Request, client: string): string | null {
    const value = req.headers.get(this.header)?.trim();
    if (!value || value.length > MAX_USER_CHARS) return null;
    // deno-lint-ignore no-control-regex -- a name with control characters is refused
    if (/[\u0000-\u001f\u007f]/.test(value)) return null;
    return inRanges(client, this.cidrs) ? value : null;
  }
}
