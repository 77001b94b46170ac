/**
 * Automated mail that its headers do not give away, recognised by what it says. Real bounces and reports are
 * rougher than the standards: no `multipart/report`, a bare text/plain "Returned mail" from a carrier's
 * `post_master@`, no sender at all; providers' complaint reports that attach the original without an ARF part;
 * list managers' loop and moderation notices; out-of-office replies that forget `Auto-Submitted`.
 *
 * Precision first: a body phrase counts only in the sender's own lead (the text before any forwarded or quoted
 * message, first 3,000 characters), so a person forwarding a bounce to ask for help is still a person; the
 * weaker signals (an out-of-office sentence, a "Read:" subject) need a second one. Pure and bounded: each
 * pattern runs on at most a few thousand characters.
 */

/** What the content rules read of a message. */
export interface ContentInput {
  sender: string;
  subject?: string;
  body?: string | null;
  /** MIME types of the attachments (message/rfc822, text/rfc822-headers, application/zip…). */
  attachmentTypes?: readonly string[];
}

const LEAD_CHARS = 3000;

/** Where a forwarded or quoted message starts: what follows is not the sender's own text. */
const FORWARD_MARKERS =
  /^(?:-{2,}\s*(?:forwarded message|original message|mensaje original|message d'origine|message transféré|ursprüngliche nachricht|weitergeleitete nachricht)|begin forwarded message:|on .{1,200} wrote:$|le .{1,200} a écrit\s?:$|el .{1,200} escribió:$|am .{1,200} schrieb .{0,100}:$|>)/im;

/** The sender's own text: the body up to a forwarded or quoted message, at most LEAD_CHARS. */
export function leadOf(body: string | null | undefined): string {
  const head = (body ?? "").slice(0, LEAD_CHARS);
  const cut = FORWARD_MARKERS.exec(head);
  return cut ? head.slice(0, cut.index) : head;
}

/** Delivery status notifications in the words of each MTA and provider (lower case, ASCII-folded). */
const DSN_PHRASES: [string, RegExp][] = [
  ["postfix", /this is the mail system at host|i'm sorry to have to inform you that your message could not/],
  [
    "exim",
    /this message was created automatically by mail delivery software|could not be delivered to one or more of its recipients/,
  ],
  [
    "sendmail",
    /the original message was received at|-{3,} the following addresses had (?:permanent )?fatal errors|-{3,} transcript of session follows/,
  ],
  ["qmail", /this is the qmail-send program at|i'm afraid i wasn't able to deliver your message/],
  [
    "exchange",
    /delivery has failed to these recipients or groups|your message did not reach some or all of the intended recipients|the following message to .{1,200} was undeliverable|your message (?:to .{1,200} )?couldn't be delivered|remote server returned '/,
  ],
  [
    "gmail",
    /delivery to the following recipients? failed|your message wasn't delivered to|the response from the remote server was:/,
  ],
  ["yahoo", /sorry, we were unable to deliver your message to the following address/],
  ["ses", /an error occurred while trying to deliver the mail to the following recipients/],
  [
    "opensmtpd",
    /this is the mailer-daemon, please do not reply to this e-?mail|error has occurred while attempting to deliver a message for the following list of recipients/,
  ],
  [
    "courier",
    /this is a delivery status notification from [\s\S]{1,200}?running the courier mail server|courier mail server at .{1,200} has received/,
  ],
  ["lotus", /was not delivered to:|not listed in (?:domino directory|public name & address book)/],
  ["groupwise", /the message that you sent was undeliverable to the following/],
  [
    "localised",
    /votre message n'a pas pu etre (?:remis|distribue)|les destinataires suivants sont injoignables|la remise a (?:echoue|ces destinataires)|ihre nachricht (?:konnte|hat) (?:einige oder alle empfanger )?nicht (?:zugestellt werden|erreicht)|die zustellung an (?:folgende|diese) empfanger .{0,40}ist fehlgeschlagen|no se (?:ha )?(?:pudo|podido) entregar (?:su|el) mensaje|su mensaje no (?:pudo|ha podido) ser entregado|la entrega a los siguientes destinatarios (?:ha )?(?:fallo|produjo un error)/,
  ],
  [
    "japanese",
    /送信できませんでした|配信できませんでした|宛先不明|宛先のメールアドレスが見つかりません|配送に失敗|届きませんでした/,
  ],
];

/** Sentences a person could also write (quoting an error): they count only from a system or missing sender. */
const WEAK_DSN_PHRASES: [string, RegExp][] = [
  [
    "generic",
    /unable to deliver (?:your |the )?message to the following (?:address|recipient)|the following recipients? (?:could not be reached|failed permanently)|permanent error|delivery to the following recipients? (?:was aborted|has been delayed)|mail delivery (?:failed|failure)|returned mail: (?:see transcript|user unknown|host unknown|service unavailable)|message could not be delivered|undeliverable message|your mail (?:sent on .{1,60} )?could not be delivered|delivery failure report/,
  ],
  [
    "dsn-fields",
    /^final-recipient:.{1,300}\n(?:.{0,300}\n){0,6}?(?:action: (?:failed|delayed)|status: [45]\.\d{1,3}\.\d{1,3})/m,
  ],
  ["smtp-transcript", /(?:^|\n)(?:<<< |diagnostic-code: (?:smtp; ?)?)?[45]\d\d[ -][45]\.\d{1,3}\.\d{1,3} /],
];

/** Complaint and abuse reports that are not ARF (no message/feedback-report part): subjects no person writes. */
const REPORT_SUBJECT =
  /^(?:complaint about message from \d{1,3}(?:\.\d{1,3}){3}|\[spamcop|report domain: .{1,200} submitter: |client tos notification|email abuse report for)/;
/** Subjects a person could also write ("Spam report"): they count with an attached original or a report sender. */
const WEAK_REPORT_SUBJECT =
  /^(?:(?:e-?mail |spam |junk mail |abuse )?(?:abuse|spam|complaint|feedback) report\b|spam complaint|abuse complaint|fbl\b)/;
const REPORT_BODY =
  /this is an? (?:e-?mail )?(?:abuse|spam|complaint) report|email abuse report for an email message|received a complaint (?:from one of our users|about (?:a |an )?(?:message|e-?mail))|the attached (?:message|e-?mail) (?:was|has been) (?:reported|marked) as (?:spam|junk|abuse)|marked (?:this|the attached) (?:message|e-?mail) as (?:spam|junk)|user (?:has )?(?:reported|marked) (?:this|the attached|your) (?:message|e-?mail)|feedback loop|this is a dmarc aggregate report/;

/** Mailing-list loop, moderation and rejection notices (Mailman, Sympa, Google Groups, LISTSERV…). */
const LIST_NOTICE =
  /awaits? (?:the )?moderator(?:'s)? approval|requires? (?:the )?(?:moderator|list owner|editor)(?:'s)? approval|held for (?:moderation|approval)|has been held|is being held until the list moderator|was rejected by the (?:list|group)|has been forwarded to (?:the )?(?:editor|moderator)s?|(?:mail|message|mailing) loop (?:detected|was detected)|loop detected|too many hops|posting to (?:a )?moderated (?:list|newsgroup)|you are not allowed to post to this (?:mailing list|group)|non-member (?:submission|post)|authorization requested|your message to .{1,100} (?:mailing list|list|group) (?:was|has been) (?:rejected|held|discarded)/;

/** Out-of-office sentences in English, French, Spanish and German (lower case, ASCII-folded). */
const VACATION_BODY =
  /\bi(?:'m| am| will be| shall be)(?: currently| now)? (?:out of (?:the )?office|away from (?:the |my )?(?:office|desk)|on (?:annual |parental |maternity |paternity |sick )?(?:vacation|holiday|holidays|leave)|away (?:until|till|from|on)|travell?ing (?:with|and)|not in the office|off work)|\b(?:limited|no|restricted) access to (?:my )?e-?mails?|\bi will (?:be back|return) (?:on|to the office)|\bback in the office on|respond to your (?:e-?mail|message) (?:when|upon|as soon as) i (?:return|get back)|upon my return|\bthis is an? auto(?:matic|mated)(?:ally generated)? (?:reply|response|message)|je (?:suis|serai) (?:actuellement )?(?:absente?|en conges|en vacances|en deplacement|hors du bureau)|acces (?:limite|restreint) a mes (?:e-?mails|courriels|messages)|de retour (?:le|au bureau)|je reviendrai le|ceci est une reponse automatique|(?:estoy|estare|me encuentro|me encontrare)(?: actualmente)? (?:fuera de la oficina|ausente|de vacaciones|de viaje|fuera)|regresare el|volvere (?:a la oficina )?el|esta es una respuesta automatica|acceso limitado a(?:l)? correo|ich bin (?:derzeit |zurzeit |momentan |bis (?:zum |einschliesslich )?.{1,30} )?(?:nicht im buro|nicht im buero|abwesend|im urlaub|ausser haus|auf dienstreise)|(?:ab dem|ab) .{1,30} (?:wieder (?:im buro|erreichbar|da))|ihre (?:e-?mail|nachricht) wird nicht weitergeleitet|dies ist eine automatische antwort/;

/** Subjects that say out-of-office, but which a person could also write: need a body sentence too. */
const VACATION_SUBJECT =
  /^(?:re:\s*)?(?:auto(?:matic|mated)? ?(?:reply|response|answer)|autosvar|away|absent|absence|abwesend|abwesenheit(?:snotiz)?|urlaub|vacation|on vacation|on holiday|on leave|annual leave|out of (?:the )?office|ooo|conges|en conges|absence du bureau|ausente|de vacaciones|vacaciones|fuera de (?:la )?oficina|nicht im buro|ausser haus)(?:$|\s*[:(\-–]|\s+(?:from|until|till|du|jusqu|bis|vom|ab|hasta|desde|\d))/;

/** Subjects no person writes: Lotus Notes' "AUTO: … is out of the office", ticket desks' acknowledgements. */
const AUTO_SUBJECT =
  /^(?:auto:\s|autoreply\b|auto-reply\b|automatic reply\b|automated reply\b|auto response\b|auto-response\b|autoresponse\b|(?:\[[^\]]{1,40}\]\s*)?(?:we(?:'ve| have) received your (?:request|message|e-?mail|enquiry|inquiry)|your request (?:has been|was) received|request received|ticket (?:received|created|#?\d+ (?:has been )?(?:received|created|opened)))|mail system error\b|failure notice\b|warning: (?:could not send message|message .{1,100} delayed)|delayed mail\b|delivery (?:notification|failure|delayed|status)\b|nondeliverable\b|non[- ]?delivery\b|message (?:not delivered|delivery failure)\b|notice: mail delivery status|undeliverable mail\b|undelivered mail\b|mail could not be delivered|mail delivery (?:failed|failure)\b)/;

/** Read receipts (MDNs) sent without multipart/report: a "Read:" subject and the receipt's sentence. */
const READ_SUBJECT =
  /^(?:read|not read|gelesen|nicht gelesen|lu|non lu|leido|no leido|return receipt|read receipt|receipt)\s*:/;
const READ_BODY =
  /\bwas read on\b|\bwas deleted without being read|this is a (?:return|read) receipt|wurde am .{1,60} gelesen|a ete lu le|fue leido el|return receipt/;

/** Auto-acknowledgements of ticket desks and autoresponders, in the four languages. */
const AUTO_ACK_BODY =
  /\bthis is an? (?:auto(?:matic|mated)(?:ally[- ]generated)?|automatically[- ]generated|system[- ]generated) (?:reply|response|message|e-?mail|notification|acknowledge?ment)|this (?:mailbox|address|e-?mail address) is (?:not monitored|unattended)|ceci est (?:une reponse|un message|un accuse de reception) automatique|(?:esta|este) es (?:una respuesta|un mensaje) automatic[oa]|dies ist eine automatisch(?:e|generierte) (?:antwort|nachricht|e-?mail)/;
/** "Do not reply to this e-mail": a person may write it too, so it counts only beside another sign. */
const NO_REPLY_BODY =
  /\b(?:please )?do not reply (?:directly )?to this (?:e-?mail|message)|merci de ne pas repondre a (?:ce|cet) (?:message|e-?mail|courriel)|por favor,? no (?:responda|responder) a este (?:mensaje|correo)|bitte antworten sie nicht auf diese/;

/** The block postal-mime writes where it inlined an attached message (message/rfc822 part). */
const INLINED_MESSAGE =
  /^-{10,}\n(?:from|subject|date|to): .{1,400}\n(?:(?:subject|date|to|cc): .{0,400}\n){0,5}-{10,}$/m;

/** Reasons from the content; empty when nothing in it says automated. `relay`: a person's relayed message. */
export function contentReasons(
  mail: ContentInput,
  options: { relay: boolean; systemSender: boolean },
): string[] {
  const subject = fold(mail.subject ?? "").slice(0, 300).trim();
  const lead = fold(leadOf(mail.body)).replace(/\r\n?/g, "\n");
  const types = (mail.attachmentTypes ?? []).map((t) => t.toLowerCase());
  const reasons: string[] = [];
  const dsn = DSN_PHRASES.find(([, re]) => re.test(lead));
  if (dsn) reasons.push(`body:dsn(${dsn[0]})`);
  const autoSubject = AUTO_SUBJECT.test(subject);
  if (autoSubject) reasons.push("subject:automated");
  if (!dsn && (options.systemSender || !mail.sender || autoSubject)) {
    const weak = WEAK_DSN_PHRASES.find(([, re]) => re.test(lead));
    if (weak) reasons.push(`body:dsn(${weak[0]})`);
  }
  const original = types.some((t) => t === "message/rfc822" || t === "text/rfc822-headers") ||
    INLINED_MESSAGE.test(lead) ||
    INLINED_MESSAGE.test(fold((mail.body ?? "").slice(0, 20_000)).replace(/\r\n?/g, "\n"));
  if (REPORT_SUBJECT.test(subject)) reasons.push("subject:report");
  else if ((original || options.systemSender) && WEAK_REPORT_SUBJECT.test(subject)) {
    reasons.push("subject:report+attached-message");
  } else if (original && REPORT_BODY.test(lead)) reasons.push("body:report+attached-message");
  if (LIST_NOTICE.test(subject) || LIST_NOTICE.test(lead)) reasons.push("content:list-notice");
  if (READ_SUBJECT.test(subject) && READ_BODY.test(lead)) reasons.push("content:read-receipt");
  if (options.relay) return reasons;
  // A person's relayed message may well say "do not reply to this e-mail": only the rules above count then.
  // Out-of-office replies ask nothing; "I'm on vacation next week, can we talk before?" is a person.
  const vacationBody = VACATION_BODY.test(lead) && !lead.includes("?");
  if (vacationBody && VACATION_SUBJECT.test(subject)) reasons.push("content:out-of-office");
  else if (vacationBody && countMatches(lead, VACATION_BODY) >= 2) {
    reasons.push("body:out-of-office");
  }
  if (AUTO_ACK_BODY.test(lead)) reasons.push("body:auto-response");
  else if (reasons.length > 0 && NO_REPLY_BODY.test(lead)) reasons.push("body:do-not-reply");
  if (!mail.sender && (original || /\n(?:final-recipient|original-recipient|reporting-mta):/.test(lead))) {
    reasons.push("sender:missing+report");
  }
  return reasons;
}

/** How many separate places of `text` match `re` (at most 3 counted). */
function countMatches(text: string, re: RegExp): number {
  const global = new RegExp(re.source, "g");
  let n = 0;
  for (const _ of text.matchAll(global)) if (++n >= 3) break;
  return n;
}

/** Lower case, accents off ("Réponse" -> "reponse"), curly apostrophes straight. */
export function fold(text: string): string {
  return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[\u2018\u2019]/g, "'").toLowerCase()
    .normalize("NFC");
}
