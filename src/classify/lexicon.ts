/**
 * Weighted phrases of the offline classifier, per signal, in English, French, Spanish and German (syntax in
 * `text_features.ts`). Weights: 3 = on its own says the intent, 2 = strong hint, 1 = weak hint. Written from the
 * labelling guide's categories, not from individual messages: each line is a way people ask for that thing.
 */

/** What a phrase is evidence of. `human_explicit` (a person, a call, a meeting) also counts as `speak_to_human`. */
export type Signal =
  | "send_info"
  | "create_account"
  | "human_explicit"
  | "human_problem"
  | "off_topic"
  | "courtesy";

/** Phrases by signal and weight. */
// deno-fmt-ignore: a table, one line per few phrases, reads better than one phrase per line.
export const LEXICON: Record<Signal, Record<number, string[]>> = {
  send_info: {
    3: [
      "pric*", "how much", "cost|costs|costing", "quote|quotes|quotation*", "rfq", "pro forma", "proforma",
      "brochure*", "one pager", "case stud*", "customer stor*", "documentation", "docs", "api", "webhook*",
      "integrat*", "roadmap", "white label", "whitelabel", "sso", "saml", "audit log*", "vpat",
      "accessibility statement", "screen reader*", "price list", "refund policy", "nonprofit|non profit rate",
      "education plan", "academic discount", "tarif*", "prix", "combien", "cout|couts|coute", "devis",
      "plaquette", "fonctionnalit*", "precio*", "cuanto cuesta", "cuesta|cuestan", "presupuesto",
      "cotizacion", "funcionalidad*", "preis*", "kostet", "kosten", "angebot", "funktion|funktionen|funktionalitat*", "heberg*", "servidor*", "was kostet",
      "datenschutz*", "dsgvo", "rgpd", "gdpr compliant", "data processing agreement", "sub processors",
      "soc 2", "iso 27001", "serverstandort", "rechenzentrum", "auftragsverarbeitung*", "avv", "pdf",
      "walkthrough", "product tour", "demo video|recording", "unterlagen", "idiomas|langues|sprachen",
      "can your ~ product|app|tool|software|platform|system",
      "does your ~ product|app|tool|software|platform", "does it support|handle|allow|integrate|work",
      "can it handle|do|support", "can i|we use it",
      // Paraphrases of price, documentation and capability questions, by meaning rather than keyword.
      "ballpark", "uptime", "formal offer|quote", "pen test|pentest|penetration test", "trust centre|center",
      "vendor|security questionnaire", "infosec", "without ~ connection|internet|signal|wifi",
      "no signal|connection|internet", "does the ~ product|app|tool|software|platform|system",
      "can we|i pay", "montant", "diferencia*", "unterschied*", "schnittstelle*", "user guide|manual",
      "how to use", "mode d emploi", "handbuch", "anleitung", "manual de usuario",
      "do you accept", "acceptez vous", "aceptan", "akzeptieren sie", "by|on invoice", "sur|par facture",
      "auf|per rechnung", "con|contra factura",
    ],
    2: [
      "discount*", "rabatt*", "remise", "descuento*", "volume", "limit|limits", "storage", "file size",
      "export*", "import*", "compar*", "difference between", "security", "encrypt*", "hosted", "hosting", "serveur*",
      "data retention", "vat", "tva", "iva", "mwst", "ht", "ttc", "currency", "billed in", "payment method*",
      "bank transfer", "pay by", "annual billing", "per user", "per seat", "per month", "monthly or annual",
      "mobile", "offline", "tablet", "languages", "en francais", "in english|french|german|spanish",
      "disponible en", "available in", "overview", "information|informations|informacion|informationen",
      "info", "details", "renseignement*", "precision*", "explain", "how does ~ work", "how do ~ work",
      "how ~ works", "work with", "works with", "compatible", "do you support", "do you ~ offer",
      "do you ~ have", "is there", "are there", "does it", "can it", "is it possible", "is that possible",
      "est il possible", "est ce que", "proposez vous", "existe t il", "es posible", "ofrecen", "tienen",
      "gibt es", "ist es moglich", "bieten sie", "wie funktioniert", "comment fonctionne",
      "included|includes", "include", "inclus|incluye*|inklusive|enthalten",
      "card ~ needed|required|necessary", "features", "which plan", "what plan", "plans", "tier|tiers",
      "rate|rates", "contract", "cancel whenever|anytime", "requirements", "supports", "walk through",
      "video", "permissions", "roles", "guests", "in scope", "able to", "allow*", "permet*", "se puede",
      "puede", "kann man", "evaluat*", "handle", "support for", "what does ~ do", "what s included",
      "trial terms", "credit card", "what happens", "stop paying", "on premise|premises", "cloud", "paypal",
      "how many|big|long|often|fast", "roughly|approximately|approximate|ungefahr|environ|aproximad*",
      "budget*", "excel|csv|xlsx", "format|formats", "take ~ with us", "data out", "purchase order",
      "procurement", "payment terms", "migrat*", "move|moving ~ across", "do you help", "est ce qu",
      "app for", "iphone|android|ios", "cheaper", "per year|annum", "reseller*|partner program*|programme",
      "what s your|the", "que diferencia", "offre|offres|ofertas", "upload ~ size",
    ],
    1: [
      "plan", "payment", "question|questions", "wondering", "curious", "tell me", "let me know", "send me",
      "send us", "could you send", "share", "what", "which", "whether", "si", "ob",
      "extra", "licence|licences|license|licenses|lizenz*|licencia*", "can we|i",
    ],
  },
  create_account: {
    3: [
      "sign up|signup", "sign me up", "sign us up", "register|registering|registration", "registrier*",
      "registrar*", "registro", "inscri*", "create ~ account|accounts", "open ~ account|accounts",
      "new account", "make ~ account", "account for me|us|my|our", "accounts for", "set us|me up",
      "get us|me set up", "set ~ up with", "free trial", "start ~ trial", "begin ~ trial", "trial for",
      "trial account", "extend ~ trial", "one more trial", "another trial", "trial period", "reopen",
      "reactivat*", "switch ~ back on", "more seats", "seats", "add ~ users", "provision*", "onboard*",
      "on board", "get access", "give me access", "give ~ access", "need access", "access to ~ workspace",
      "invite*", "invitation", "create ~ workspace", "workspace for", "early access", "beta", "go paid",
      "upgrade", "count us in", "go ahead", "go with the", "ready to go|start", "next step|steps",
      "get started", "get going", "get in", "how do we start|begin", "how to start", "open ~ workspace",
      "creer ~ compte", "ouvrir ~ compte", "ouverture ~ compte", "compte equipe|entreprise",
      "version d essai", "activer", "acces", "abonner", "dar de alta", "darme de alta", "alta",
      "prueba gratuita", "probar", "crear ~ cuenta", "abrir ~ cuenta", "zugang|zugange|zugriff",
      "konto|konten ~ anlegen", "anlegen", "einrichten", "freischalten", "testversion", "kostenlos testen",
      "add ~ colleague|colleagues|user|users|member|members|people|person|staff",
      "our new colleague|hire|hires", "join ~ workspace|account|team", "get a trial", "a trial",
      "testphase|testzeitraum|probezeit", "anmelden", "move ~ to paid", "paid plan", "need a login",
      "a login", "login for", "need|needs ~ login|logins", "enable ~ trial", "switch* ~ back on", "like|want|love to come back",
      "start from scratch", "restart", "rejoin", "inscribirme", "suscribirme", "abonnieren", "m abonner",
      "konto|konten ~ anlegen|eroffnen|erstellen|einrichten", "lege|legen ~ ~ konto|konten|zugang|zugange",
      "creer ~ espace|compte|workspace", "espace de travail", "nouveau compte", "nueva cuenta", "neues konto",
      // Paraphrases of joining, trying and buying, with the commonest misspellings of "account".
      "get|got ~ registered", "enrol*|enroll*", "for a spin", "test drive", "try ~ before|out", "ausprobieren", "essayer",
      "add them|him|her", "add ~ to ~ team|workspace|account|subscription", "waitlist|waiting list|wait list",
      "on the list", "get ~ going", "up and running", "start again|over|afresh", "spin up",
      "like|want|wish|ready|need ~ buy|purchase|order|subscribe|kaufen|bestellen|souscrire|acheter|comprar|contratar",
      "souscri*", "kaufen|bestellen|erwerben", "dar ~ acceso", "crear* ~ usuario*|cuenta*",
      "ajouter ~ collegue|collegues|collaborat*|utilisateur*|membre*|personne*", "move us|me to|onto",
      "make ~ acount|acct|accout|acounts", "acount|accout", "onto yours", "switching over|across",
    ],
    2: [
      "trial|trials", "try it|out", "try ~ properly", "test it", "essai", "tester", "prueba", "testen",
      "set up", "setup", "admin", "logins", "accounts", "access", "move over", "we re in", "join",
      "new hire|hires|starter|starters|colleague|colleagues", "an account", "paid", "come back", "order form", "get ~ workspace|account", "eroffnen",
      "konten|zugange", "comment proceder|faire", "comment on fait", "how do we proceed", "como hago|empiezo",
      "wie gehen wir vor",
      "sandbox", "outgrown", "hired", "card details", "marche a suivre", "comment on commence", "wie geht das",
      "notre espace", "como empiezo|empezamos",
    ],
    1: [
      "account|accounts", "workspace", "team plan", "compte|cuenta|konto",
    ],
  },
  human_explicit: {
    3: [
      "call me|us", "call back", "callback", "give me a call", "give ~ a call", "phone me", "ring me",
      "on a call", "a call", "quick call", "phone call", "phone number", "talk to|with", "speak to|with",
      // "someone" as a request, not as a subject ("if someone loses their phone", "someone left a jacket").
      "can|could|would|will|may|should|please someone|somebody|anyone|anybody",
      "need|want|like|have|get|ask|send someone|somebody", "is there someone|somebody|anyone|anybody",
      "with someone|somebody", "for someone|somebody to",
      "someone|somebody ~ call|contact|get back|reach|ring|phone|help|explain|look|check|sort|fix|respond|reply|answer|advise|assist|walk|show|tell|from your",
      "a person", "a human", "human being", "real person", "not a bot",
      "account manager", "to a manager", "with a manager", "meeting with", "book ~ demo", "a demo",
      "schedule ~ call|demo|meeting", "demo with", "contact me", "contact us directly",
      "get in touch with me", "reach me", "rappeler", "me rappeler", "appeler", "m appeler", "telephone",
      "quelqu un", "rendez vous", "llamar", "llamen", "me pueden llamar", "hablar con", "alguien",
      "rufen sie mich", "ruckruf*", "zuruckrufen", "anrufen", "ansprechpartner", "jemand", "reunion",
      "agendar", "hablar", "gesprach", "termin", "besprechen", "melden sie sich", "appel|appelez", "joindre",
      "discuter", "parler", "un responsable", "a responsible|supervisor", "zoom|teams|meet call", "hop on",
      "chat with|to", "video call|chat", "conversation with", "rep|reps|representative", "anyone ~ there",
      "ring me|us", "by phone|telephone", "par telephone", "por telefono", "telefonisch", "conseiller",
    ],
    2: [
      "who do i speak to", "pick up", "look into|at", "sort ~ out", "escalat*", "revisar*",
      "discuss", "take ~ look", "regarder", "anschauen", "someone to look",
    ],
    1: [],
    "-3": [
      "demo video|recording", "no need ~ call",
    ],
  },
  human_problem: {
    3: [
      "refund*", "rembours*", "reembols*", "devuelvan", "devolver", "erstatt*", "ruckerstatt*",
      "charged twice", "double charg*", "duplicate", "cobro duplicado", "dos veces", "doppelt", "cancel*",
      "resili*", "annul*", "kundig*", "storn*", "dispute*", "complaint", "complain*", "plainte",
      "reclamation", "queja", "reclamacion", "beschwerde", "reklamation", "bug|bugs", "error", "erreur",
      "fehler", "broken", "broke", "crash*", "not working", "doesnt work", "does not work", "stopped working",
      "isnt working", "dont work", "cant log|get|access", "cannot log|get|access", "locked out", "hacked",
      "compromised", "password", "mot de passe", "contrasena", "passwort", "ne fonctionne", "plus rien",
      "n arrive plus", "no funciona", "no puedo", "funktioniert nicht", "geht nicht", "missing",
      "disappeared", "not showing", "not visible", "went wrong", "unusable", "suspended", "downgrade",
      "move ~ down", "smaller|cheaper plan", "as credit", "delete ~ data", "deletion", "erasure",
      "transfer ownership", "ownership", "sla", "service credit", "compensation", "still no", "no answer",
      "no reply", "charged", "logging me out", "logs me out", "driving me crazy", "close my account",
      "delete ~ account|everything",
      "doesnt|dont|didnt|wont|cant|cannot|couldnt ~ sync|load|open|work|save|upload|download|connect|login|log",
      "outage", "downtime", "is down", "stop charging", "nothing works", "no carga", "berechnet", "zu viel",
      "korrigieren", "debite|debitee", "deux fois", "twice", "overcharg*", "unauthori*", "fraud*", "panne", "funktioniert ~ nicht", "restore",
      "en panne", "account deleted|closed|removed", "under gdpr|rgpd|dsgvo", "deleted", "crashes",
      "inadmissible", "billed for", "correct this|it",
      // Problems told without the usual words: money taken, things gone, slow, blank, no longer working.
      "money back", "difference back", "reimburs*", "taken ~ money|payment", "took ~ money|payment",
      "still being billed|charged", "end ~ subscription|contract|plan", "terminate*", "beenden",
      "closed ~ subscription", "not ~ reply|replies|response|answer", "single reply", "blank|white ~ page|screen",
      "vanish*", "disparu*", "desaparec*", "verschwunden", "erase*", "regain", "get back into",
      "no consigo", "no me deja", "n arrive pas", "kann mich nicht", "used to work",
      "by accident|mistake", "accidentally", "de baja", "dar ~ baja", "declined", "freeze ~ billing", "amend",
    ],
    2: [
      "urgent*", "asap", "dringend", "urgente", "ticket", "wrong", "incorrect", "corrected", "fix|fixed",
      "problem*", "probleme", "problema", "issue|issues", "fails|failing|failed", "spins", "help me",
      "please help", "connecter|connexion", "login", "log in", "reset", "abgerechnet", "cobrado|cobrados",
      "preleve|prelevement", "facture|factura|rechnung", "invoice|invoices", "billing", "rid of", "hilfe", "prufen|uberprufen", "bloque*|bloquead*|gesperrt|blocked",
      "ayuda", "aide", "keeps", "again", "frustrat*", "unacceptable", "inacceptable", "inaceptable",
      "inakzeptabel",
      "no longer", "slow*", "sluggish", "hangs|hanging|stuck|frozen|freezes", "cache", "any more|anymore", "going on",
      "since ~ morning|yesterday|update|monday|tuesday|wednesday|thursday|friday|weekend",
      "depuis hier|ce matin", "desde ayer|esta manana", "seit gestern|heute", "anpassen", "left the company",
      "something ~ off", "iniciar sesion", "logged ~ out", "synchro*|sincroniz*|synchronis*",
    ],
    1: [
      "help", "support", "still",
    ],
    "-3": [
      "refund policy", "cancellation policy", "cancel whenever|anytime",
    ],
  },
  off_topic: {
    3: [
      "our services", "we provide", "we offer", "we specialise|specialize", "competitive rates", "free audit",
      "backlink*", "rankings", "seo", "guest post|article", "do follow|dofollow", "sponsor*", "outsourc*",
      "dedicated developers", "lead generation", "we ve helped", "we have helped", "investment", "roi",
      "guaranteed", "compensated", "dear partner", "business proposal", "gift card", "reward|rewards",
      "congratulations", "prize", "winner", "verify your", "verification", "re verified", "avoid suspension",
      "survey", "thesis", "dissertation", "cv", "resume", "curriculum", "open positions", "hiring team",
      "careers page", "candidature", "bewerbung", "lebenslauf", "wrong address|person|email|company|number|business", "photos",
      "my order", "order number", "bouquet", "tracking page", "attached invoice", "confirm receipt",
      "pass it on", "forward this", "unsubscribe", "remove me", "how are you", "long time",
      "are you interested", "would you be interested", "paid placement", "we are a leading",
      "leading ~ agency|company|provider", "grow your", "ignore this|it", "wrong email", "right address",
      "press release", "link exchange", "webinar*", "quote from ~ founder|founders|ceo|cofounder", "a book", "interview", "podcast", "register here", "join our", "save your seat", "rsvp",
      "we can build|develop|design|deliver", "fixed price", "affordable", "packages", "your website",
      "rank higher", "mistake",
      // Pitches and off-topic requests, by their usual phrasing.
      "first page of", "my team could|can", "want me to", "portfolio*", "fraction of", "extend your team",
      "swap links", "paid review|post", "your budget", "readers", "sus ventas",
      "boost|increase|grow|double|triple|improve ~ your sales|revenue|leads|traffic", "vos ventes",
      "sin compromiso", "no obligation", "sans engagement", "unverbindlich", "le interesa",
      "seriez vous interesse*", "lucrative", "opportunity", "your capital", "for my study|research|thesis",
      "master s|phd student", "levee de fonds", "fundraising", "software house",
      "our|dedicated|senior|offshore|certified ~ engineers|developers ~ can|could|will|are available",
    ],
    2: ["blog", "agency|agencia|agence|agentur", "research*", "proposal"],
    1: [],
  },
  courtesy: {
    2: [
      "thank*", "merci", "gracias", "danke", "got it", "will share", "share this with", "come back to you",
      "get back to you", "transmets", "great session", "lovely", "just wanted to say", "no question",
      "well done", "kudos", "test", "testing", "cheers", "all working|sorted|good|set",
    ],
  },
};
