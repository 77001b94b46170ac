import { configure, type LogRecord, reset } from "@logtape/logtape";
import assert from "node:assert/strict";
import { join } from "node:path";
import { formatLogLine } from "../src/log.ts";
import { folderSource } from "../src/mail/folder_source.ts";
import { testDb } from "./helpers/db.ts";
import { ingestAll } from "./helpers/ingest.ts";

Deno.test("a 200,000-character List- header name is stored and logged as a reason of a few hundred characters", async () => {
  const records: LogRecord[] = [];
  await configure({
    reset: true,
    sinks: { memory: (record) => records.push(record) },
    loggers: [
      { category: ["ses-daemon-bot"], lowestLevel: "debug", sinks: ["memory"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: [] },
    ],
  });
  try {
    await using t = await testDb();
    const dir = await Deno.makeTempDir();
    const name = `List-${"a".repeat(200_000)}`;
    await Deno.writeTextFile(
      join(dir, "long-list.eml"),
      `From: jo@a.example\r\n${name}: x\r\nSubject: Pricing\r\nMessage-ID: <long@x>\r\n\r\nHow much?\r\n`,
    );
    await ingestAll(t.db, folderSource(dir));
    const { rows } = await t.db.query<{ automated: boolean; rule_reasons: string[] }>(
      "SELECT automated, rule_reasons FROM emails",
    );
    assert.equal(rows.length, 1);
    assert.equal(rows[0].automated, true);
    assert.equal(rows[0].rule_reasons.length, 1);
    assert.ok(rows[0].rule_reasons[0].startsWith("header:list-aaa"));
    assert.ok(rows[0].rule_reasons[0].length <= 400, `stored: ${rows[0].rule_reasons[0].length} characters`);

    const classified = records.filter((r) => String(r.rawMessage).startsWith("Email {emailId} is"));
    assert.equal(classified.length, 1, "the classify job logs the reasons");
    for (const record of records) {
      const line = formatLogLine(record);
      assert.ok(line.length < 4_000, `a ${line.length}-character log line: ${line.slice(0, 200)}`);
    }
  } finally {
    await reset();
  }
});
