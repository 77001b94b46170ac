/**
 * The five intents of an email and their one-hot encoding, as stored in `emails.intent_flags`. The position in
 * {@linkcode INTENTS} is the index of the `true` in the array, so the order must never change.
 */

/** The intents in the order of the one-hot array (index 4, `reserved`, is never produced today). */
export const INTENTS = ["send_info", "create_account", "unknown", "speak_to_human", "reserved"] as const;

/** One of {@linkcode INTENTS}. */
export type Intent = typeof INTENTS[number];

/** Thrown when a value is not a valid one-hot intent array. */
export class IntentFlagsError extends Error {
  /** @param message why the flags were rejected */
  constructor(message: string) {
    super(message);
    this.name = "IntentFlagsError";
  }
}

/** True when `value` is one of the five intent names. */
export function isIntent(value: unknown): value is Intent {
  return typeof value === "string" && (INTENTS as readonly string[]).includes(value);
}

/**
 * The one-hot array of an intent: five booleans, `true` at the intent's index.
 *
 * @throws {IntentFlagsError} when `intent` is not one of the five names (a caller bypassing the type).
 */
export function encodeIntent(intent: Intent): boolean[] {
  const index = INTENTS.indexOf(intent);
  if (index < 0) throw new IntentFlagsError(`Cannot encode intent: unknown intent ${JSON.stringify(intent)}`);
  return INTENTS.map((_, i) => i === index);
}

/**
 * The intent of a one-hot array read from storage or from a model: exactly five booleans, exactly one `true`.
 *
 * @throws {IntentFlagsError} for anything else, saying what was wrong.
 */
export function decodeIntentFlags(flags: unknown): Intent {
  if (!Array.isArray(flags)) {
    throw new IntentFlagsError(
      `Cannot decode intent flags: expected an array of ${INTENTS.length} booleans, got ${
        flags === null ? "null" : typeof flags
      }`,
    );
  }
  if (flags.length !== INTENTS.length) {
    throw new IntentFlagsError(
      `Cannot decode intent flags: expected ${INTENTS.length} booleans, got ${flags.length}`,
    );
  }
  const notBoolean = flags.findIndex((f) => typeof f !== "boolean");
  if (notBoolean >= 0) {
    throw new IntentFlagsError(
      `Cannot decode intent flags: element ${notBoolean} is ${
        JSON.stringify(flags[notBoolean])
      }, not a boolean`,
    );
  }
  const trues = flags.flatMap((f, i) => f ? [i] : []);
  if (trues.length !== 1) {
    throw new IntentFlagsError(`Cannot decode intent flags: expected exactly one true, got ${trues.length}`);
  }
  return INTENTS[trues[0]];
}
