/**
 * Where an automatic reply may go: the domain of the message's (authenticated) sender, so that a Reply-To
 * cannot make us deliver a stranger's message to a third party. Pure.
 */

/**
 * Whether `to` receives mail for the domain that sent (and, with the rules' checks, authenticated) the message:
 * an automatic reply must not carry a stranger's message to a third party named in Reply-To. The same domain,
 * a subdomain of it ("eu.client.example" for "client.example"), or a parent of it ("client.example" for
 * "mail.client.example"); never a sibling ("other.client.example" for "mail.client.example"), which another
 * party can own. Without the Public Suffix List, a parent that looks like one ("co.uk", "com.au") never counts.
 */
export function sendersDomain(to: string, sender: string): boolean {
  if (to === sender) return true;
  const a = domainOf(to);
  const b = domainOf(sender);
  if (!a || !b) return false;
  if (a === b) return true;
  const [parent, child] = a.length < b.length ? [a, b] : [b, a];
  return child.endsWith(`.${parent}`) && !looksLikePublicSuffix(parent);
}

/** One label ("com"), or a short second-level label under a country code ("co.uk", "com.au", "ac.jp"). */
function looksLikePublicSuffix(domain: string): boolean {
  const labels = domain.split(".");
  return labels.length < 2 ||
    (labels.length === 2 && labels[1].length === 2 &&
      /^(?:co|com|net|org|gov|gob|gouv|edu|ac|or|ne|go|mil|nom|ltd|plc|sch|nhs|lg|ad|ed|gr)$/.test(
        labels[0],
      ));
}

/** The lower-case domain of an address; "" without "@". */
export function domainOf(address: string): string {
  const at = address.lastIndexOf("@");
  return at < 0 ? "" : address.slice(at + 1).toLowerCase();
}
