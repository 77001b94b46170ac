/**
 * The language of the sender's own text (see own_text.ts), to answer in it. Dependency-free: each language has
 * a profile of its most frequent function words (articles, pronouns, prepositions, auxiliaries) and the
 * greetings and thanks of e-mail, plus a few letters only it uses (ñ ¿ for Spanish, ß for German, ç œ for
 * French). A word shared by several profiles ("de", "que", "en") counts for each of them by share, so only
 * the words that tell the languages apart decide.
 *
 * Replies exist in English, French, Spanish and German; Italian, Portuguese and Dutch are profiled so that
 * their mail is not taken for French or Spanish, and they are answered in English. Unsure means English: too
 * little text (a one-word "Merci"), or two languages close together (a sentence of each).
 */

/** The languages replies are written in. */
export const REPLY_LANGUAGES = ["en", "fr", "es", "de"] as const;
export type Language = typeof REPLY_LANGUAGES[number];

/** The languages the detector tells apart (the reply languages and near neighbours). */
export type DetectedLanguage = Language | "it" | "pt" | "nl";

/** What {@linkcode detectLanguage} found. */
export interface LanguageGuess {
  /** The language to answer in: the detected one when it is a reply language and the guess is sure. */
  language: Language;
  /** 0 to 1: how clearly the best language beats the second, scaled down for short text. */
  confidence: number;
  /** The best-scoring language, whatever the confidence; undefined when no word matched at all. */
  detected: DetectedLanguage | undefined;
  /** Why the answer is English although something else was detected, or nothing was ("short", "mixed", …). */
  fallback?: "short" | "mixed" | "unsupported";
}

/** Below this confidence the answer is English: a sure guess on 3 lines of text scores ~0.6 and more. */
export const MIN_CONFIDENCE = 0.35;
/** Score at which the text is long enough to be trusted fully: about two short sentences of function words. */
const FULL_SCORE = 6;
/** Characters read: language shows in the first lines, and the cost stays bounded on any input. */
const MAX_CHARS = 4000;

const WORDS: Record<DetectedLanguage, string> = {
  en: `the and to of a i you it in is that for we our my me this with on be are have do not can will would
    could should please thanks thank hello hi what how when where there your an at from but if or so about us
    any all was been has had they them their just does did get know need want like also which who as by up
    out yes here some than then only into am its let looking regards dear best team account would`,
  fr: `le la les de des du un une et est je vous nous il elle ils que qui pour pas ne sur avec dans au aux ce
    cette ces mon ma mes votre vos notre nos son sa se en y par plus mais ou où si on été être avoir ai avez
    avons sont suis fait faire peut pouvez pourriez voudrais souhaite souhaiterais merci bonjour bonsoir
    cordialement madame monsieur très aussi comme tout tous bien déjà encore leur lui moi toujours car donc
    alors quel quelle quels depuis chez sans même vos l' d' j' qu' n' c' s' m' t' salut équipe compte`,
  es: `el la los las de del y en que un una unos es por para con no se lo le les su sus al como más pero me
    mi mis nos nuestro nuestra nuestros usted ustedes este esta estos esto eso ese hay tengo tiene tienen
    puedo puede pueden podrían quiero quisiera gracias hola saludos muchas muy también ya sí o cuando donde
    dónde qué cómo cuál cuánto sobre desde hasta entre todo todos sin ser estar está están estoy he ha han
    hemos buenos días atentamente favor necesito equipo cuenta`,
  de: `der die das den dem des und ist ich sie wir es ein eine einen einem einer nicht mit für auf zu von im
    in an bei auch als wie oder aber noch nur kann können könnten würde würden möchte möchten haben habe hat
    sind bin wird werden wurde ihr ihre ihnen uns unser unsere mein meine mir mich sich dass wenn was wer wo
    bitte danke vielen dank hallo guten tag grüße grüßen freundlichen sehr geehrte geehrter damen herren
    schon mehr kein keine gibt gerne über vom zum zur am um aus nach konto`,
  it: `il lo la gli le di del della che e è un una per non con sono ho ha mi ci si da in al alla come anche
    ma se questo questa vorrei grazie buongiorno saluti cordiali più sul nel nella dei delle essere può
    vostro vostra suo sua l' dell' un' salve`,
  pt: `o os a as de do da dos das e é um uma que para com não em no na nos se por mais mas como eu você
    vocês obrigado obrigada olá bom dia ao à meu minha seu sua está são tem ter gostaria também já muito
    isso este esta`,
  nl: `de het een en van ik je u we wij is dat die in op te met voor niet zijn er aan ook maar om als bij
    naar uit kan wil graag bedankt dank hallo groeten vriendelijke jullie onze ons mijn heb heeft hebben
    wordt worden nog wat hoe waar`,
};

/** Letters that point at one language; each occurrence adds half a word, up to three words' worth. */
const LETTERS: [RegExp, DetectedLanguage][] = [
  [/[ñ¿¡]/g, "es"],
  [/[ßäöü]/g, "de"],
  [/[çœèêâîôûëï]/g, "fr"],
  [/[ãõ]/g, "pt"],
];

/** word → the languages whose profile holds it. */
const PROFILES: Map<string, DetectedLanguage[]> = (() => {
  const map = new Map<string, DetectedLanguage[]>();
  for (const [language, words] of Object.entries(WORDS) as [DetectedLanguage, string][]) {
    for (const word of new Set(words.split(/\s+/).filter(Boolean))) {
      map.set(word, [...(map.get(word) ?? []), language]);
    }
  }
  return map;
})();

/** Guesses the language of `text` (the sender's own words, with the subject if you like). */
export function detectLanguage(text: string): LanguageGuess {
  const scores = scoreLanguages(text);
  const ranked = (Object.entries(scores) as [DetectedLanguage, number][]).sort((a, b) => b[1] - a[1]);
  const [best, second] = ranked;
  if (!best || best[1] === 0) {
    return { language: "en", confidence: 0, detected: undefined, fallback: "short" };
  }
  const margin = (best[1] - (second?.[1] ?? 0)) / best[1];
  const confidence = round(margin * Math.min(1, best[1] / FULL_SCORE));
  const detected = best[0];
  if (confidence < MIN_CONFIDENCE) {
    return { language: "en", confidence, detected, fallback: margin < 0.5 ? "mixed" : "short" };
  }
  if (!(REPLY_LANGUAGES as readonly string[]).includes(detected)) {
    return { language: "en", confidence, detected, fallback: "unsupported" };
  }
  return { language: detected as Language, confidence, detected };
}

/** Each language's score: profile words (shared ones split between their languages) plus telling letters. */
export function scoreLanguages(text: string): Record<DetectedLanguage, number> {
  const scores: Record<DetectedLanguage, number> = { en: 0, fr: 0, es: 0, de: 0, it: 0, pt: 0, nl: 0 };
  const sample = text.slice(0, MAX_CHARS).toLowerCase().replace(/[\u2018\u2019`´]/g, "'");
  // Words, with an elided article or pronoun kept as its own token: "l'équipe" is "l'" and "équipe".
  for (const [word] of sample.matchAll(/\p{L}+'?/gu)) {
    const languages = PROFILES.get(word) ?? PROFILES.get(word.replace(/'$/, ""));
    if (!languages) continue;
    for (const language of languages) scores[language] += 1 / languages.length;
  }
  for (const [letters, language] of LETTERS) {
    scores[language] += Math.min(3, (sample.match(letters)?.length ?? 0) * 0.5);
  }
  return scores;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
