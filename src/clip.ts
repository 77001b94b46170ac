/**
 * The one cut for text that others wrote (header names and values, SNS fields, error messages quoting them)
 * before it is logged or stored as a reason. A reason names what was seen; a few hundred characters name
 * anything a person needs, and every log line stays small whatever a sender puts in a message.
 */

/**
 * Enough for any real header name, ARN, message id or error message; a 200,000-character header name
 * (issue 13) becomes 300 characters and a note of how much was cut.
 */
export const CLIP_CHARS = 300;

/** `text` cut to `max` characters (never inside a surrogate pair), with how many were cut. */
export function clip(text: string, max: number = CLIP_CHARS): string {
  if (text.length <= max) return text;
  // A high surrogate as the last kept unit would leave half a character: keep one fewer.
  const code = text.charCodeAt(max - 1);
  const end = code >= 0xd800 && code <= 0xdbff ? max - 1 : max;
  return `${text.slice(0, end)}…[${text.length - end} more chars]`;
}
