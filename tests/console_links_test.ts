import assert from "node:assert/strict";
import { folderSource } from "../src/mail/folder_source.ts";
import { HOSTILE } from "./helpers/console.ts";
import { testDb } from "./helpers/db.ts";
import { ingestAll } from "./helpers/ingest.ts";

Deno.test("a hand-off stored by the pipeline links to the email's console page when CONSOLE_URL is set", async () => {
  await using t = await testDb();
  const inbox = await Deno.makeTempDir();
  await Deno.writeTextFile(`${inbox}/h.eml`, HOSTILE);
  const outbox = await Deno.makeTempDir();
  await ingestAll(t.db, folderSource(inbox), {
    env: {
      OUTBOX_DIR: outbox,
      CONSOLE_URL: "https://console.example.com/",
      HUMAN_EMAIL: "team@frflashy.com",
    },
  });
  const { rows: [email] } = await t.db.query<{ id: number }>("SELECT id FROM emails");
  const { rows } = await t.db.query<{ kind: string; payload: Record<string, unknown> }>(
    "SELECT kind, payload FROM effects WHERE email_id = $1 AND kind IN ('forward', 'webhook') ORDER BY id",
    [email.id],
  );
  const link = `https://console.example.com/emails/${email.id}`;
  const forward = rows.find((r) => r.kind === "forward")!;
  assert.ok((forward.payload.text as string).split("\n").includes(`Console: ${link}`));
  const hook = rows.find((r) => r.kind === "webhook")!;
  assert.equal((hook.payload.body as Record<string, unknown>).console_url, link);
  // The delivered webhook (file transport) carries it too.
  const files: string[] = [];
  for await (const entry of Deno.readDir(outbox)) if (entry.name.endsWith(".json")) files.push(entry.name);
  assert.ok(files.length > 0);
  const delivered = await Promise.all(
    files.map(async (f) => JSON.parse(await Deno.readTextFile(`${outbox}/${f}`))),
  );
  assert.ok(delivered.some((d) => JSON.stringify(d).includes(`"console_url":"${link}"`)));
});
