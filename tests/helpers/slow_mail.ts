/**
 * Messages that are slow to parse (postal-mime works line by line, ~5 µs a line here): for the parse-worker
 * tests and `bench/parse.ts`. Both are well under MAX_MESSAGE_BYTES, as an attacker's would be.
 */
const enc = new TextEncoder();

/** `bytes` of two-character lines in a plain-text body: 1 MB took 4.9 s on the event loop. */
export function shortLinesMessage(bytes: number): Uint8Array {
  const head = "From: a@example.com\r\nSubject: short lines\r\nMessage-ID: <short@example.com>\r\n\r\n";
  return enc.encode(head + "a\r\n".repeat(Math.ceil(bytes / 3)));
}

/** `bytes` of lines that look like MIME boundaries ("--X") inside a multipart part: 1 MB took 4.0 s. */
export function boundaryLinesMessage(bytes: number): Uint8Array {
  const head = "From: b@example.com\r\nSubject: boundary lines\r\nMessage-ID: <boundary@example.com>\r\n" +
    "Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\n";
  return enc.encode(head + "--X\r\n".repeat(Math.ceil(bytes / 5)) + "--XX--\r\n");
}
