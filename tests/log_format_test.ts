import type { LogRecord } from "@logtape/logtape";
import assert from "node:assert/strict";
import { formatLogLine, formatPrettyLine } from "../src/log.ts";
import { REDACTED_ADDRESS } from "../src/redact.ts";
import { cliCommand } from "./helpers/cli.ts";
import { testDb } from "./helpers/db.ts";

// deno-lint-ignore no-control-regex -- stripping the colours is the point
const ANSI = /\x1b\[[0-9;]*m/g;

function record(message: unknown[], rawMessage: string, properties: Record<string, unknown>): LogRecord {
  return {
    category: ["ses-daemon-bot", "jobs"],
    level: "warning",
    timestamp: Date.UTC(2026, 11, 5, 21, 30, 0),
    message,
    rawMessage,
    properties,
  };
}

const withAddress = () =>
  record(
    ["Cannot deliver to ", "jane.doe@mail.example.org", ": ", new Error("550 <bob@x.example> unknown"), ""],
    "Cannot deliver to {to}: {error}",
    {
      to: "jane.doe@mail.example.org",
      error: new Error("550 <bob@x.example> unknown"),
      email_id: 42,
      headers: { cc: ["carol@y.example"] },
    },
  );

Deno.test("a JSON log line is one object with the message and properties, addresses redacted", () => {
  const line = formatLogLine(withAddress());
  assert.ok(line.endsWith("\n") && !line.slice(0, -1).includes("\n"));
  const parsed = JSON.parse(line);
  assert.equal(parsed.level, "WARN");
  assert.equal(parsed.properties.email_id, 42);
  assert.ok(!/jane|bob@|carol|example\.org|x\.example|y\.example/.test(line), line);
  assert.ok(line.includes(REDACTED_ADDRESS));
});

Deno.test("a pretty log line is readable and coloured, its addresses redacted before the colours", () => {
  const line = formatPrettyLine(withAddress());
  assert.ok(ANSI.test(line), "coloured");
  const plain = line.replace(ANSI, "");
  assert.ok(!plain.trimEnd().includes("\n"), "one line");
  assert.match(plain, /^21:30:00\.000 WRN jobs: Cannot deliver to REDACTED@EMAIL\.ADDRESS: /);
  assert.match(plain, / email_id=42/, "a property the message does not show is appended");
  assert.ok(!/ to=/.test(plain), "a property the message shows is not repeated");
  // Neither the coloured line nor the plain text holds any part of an address.
  for (const text of [line, plain]) {
    assert.ok(!/jane|bob@|carol|example\.org|x\.example|y\.example/.test(text), text);
  }
  assert.equal(plain.split(REDACTED_ADDRESS).length - 1, 3);
});

Deno.test("a pretty log line escapes a sender's control characters and bidi overrides", () => {
  const subject = "hi\x1b[31mred\x1b[0m\r\nfake line \u202eevil";
  const plain = formatPrettyLine(
    record(["Subject ", subject, ""], "Subject {subject}", { subject, reason: subject }),
  ).replace(ANSI, "");
  // The formatter's own colours are stripped above; what is left must hold no escape, newline or override.
  assert.ok(!["\x1b", "\r", "\u202e"].some((c) => plain.includes(c)), JSON.stringify(plain));
  assert.equal(plain.trimEnd().split("\n").length, 1);
  assert.match(plain, /reason=hi\\u001b\[31mred/);
});

Deno.test("the CLI logs JSON lines when stderr is no terminal, and pretty lines with LOG_FORMAT=pretty", async () => {
  // `status` on a schema not migrated yet logs "Applied migrations" (info) to stderr.
  const lines: Record<string, string> = {};
  for (const format of ["auto", "pretty"]) {
    await using t = await testDb({ migrate: false });
    const out = await cliCommand(["status", "--json"], { ...t.env, LOG_FORMAT: format }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    lines[format] = new TextDecoder().decode(out.stderr).trim();
  }
  const json = JSON.parse(lines.auto.split("\n")[0]);
  assert.equal(json.message.startsWith("Applied migrations"), true);
  assert.match(lines.pretty.replace(ANSI, ""), /^\d\d:\d\d:\d\d\.\d{3} INF db: Applied migrations/);
  assert.throws(() => JSON.parse(lines.pretty));
});
