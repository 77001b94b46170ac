import assert from "node:assert/strict";
import { join } from "node:path";
import { fileTransport, safeName } from "../src/act/file_transport.ts";
import { buildMessage } from "../src/act/mime.ts";
import { DeliveryError } from "../src/act/transport.ts";
import { parseEmail } from "../src/mail/parse.ts";

/** A fresh temporary directory, removed at the end of the test. */
async function tempDir() {
  const path = await Deno.makeTempDir({ prefix: "outbox_test_" });
  return {
    path,
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true }).catch(() => {});
    },
  };
}

const names = async (dir: string) => (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();

const raw = buildMessage({
  from: "FrFlashy <hello@frflashy.com>",
  to: ["jane@example.org"],
  subject: "Re: Pricing",
  text: "Hello\n",
  messageId: "<reply-1@frflashy.com>",
  inReplyTo: "<orig-1@example.org>",
  autoSubmitted: "auto-replied",
});
const envelope = { from: "hello@frflashy.com", to: ["jane@example.org"] };

Deno.test("a message becomes <key>.eml in a directory created on demand", async () => {
  await using dir = await tempDir();
  const outbox = join(dir.path, "outbox", "nested");
  const transport = fileTransport(outbox);
  assert.equal(transport.kind, "file");
  await transport.send("reply:42:send_info", raw, envelope);
  assert.deepEqual(await names(outbox), ["reply%3A42%3Asend_info.eml"]);
  const written = await Deno.readFile(join(outbox, "reply%3A42%3Asend_info.eml"));
  assert.deepEqual(written, raw);
  assert.equal((await parseEmail(written)).inReplyTo, "<orig-1@example.org>");
});

Deno.test("sending the same key twice leaves one file and no temporary files", async () => {
  await using dir = await tempDir();
  const transport = fileTransport(dir.path);
  await transport.send("reply:1", raw, envelope);
  await transport.send("reply:1", raw, envelope);
  await Promise.all([transport.send("reply:2", raw, envelope), transport.send("reply:2", raw, envelope)]);
  assert.deepEqual(await names(dir.path), ["reply%3A1.eml", "reply%3A2.eml"]);
});

Deno.test("a webhook body becomes pretty JSON with its target and URL", async () => {
  await using dir = await tempDir();
  const transport = fileTransport(dir.path);
  const body = { text: "A person is needed" };
  await transport.send("webhook:7:escalation", { name: "escalation", url: "https://hooks.example/x" }, body);
  await transport.send("webhook:8:crm", { name: "crm" }, { task: "sign-up" });
  assert.deepEqual(await names(dir.path), ["webhook%3A7%3Aescalation.json", "webhook%3A8%3Acrm.json"]);
  const text = await Deno.readTextFile(join(dir.path, "webhook%3A7%3Aescalation.json"));
  assert.match(text, /^\{\n {2}"key": /, "indented");
  assert.deepEqual(JSON.parse(text), {
    key: "webhook:7:escalation",
    target: "escalation",
    url: "https://hooks.example/x",
    body,
  });
  const crm = JSON.parse(await Deno.readTextFile(join(dir.path, "webhook%3A8%3Acrm.json")));
  assert.equal(crm.url, null);
});

Deno.test("file names from keys are safe, distinct and bounded", async () => {
  assert.equal(await safeName("a:b"), "a%3Ab");
  assert.equal(await safeName("a_b"), "a_b");
  assert.notEqual(await safeName("a:b"), await safeName("a%3Ab"));
  assert.equal(await safeName("../../etc/passwd"), "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd");
  assert.equal(await safeName(".hidden"), "%2Ehidden");
  assert.equal(await safeName(""), "%");
  assert.equal(await safeName("café"), "caf%C3%A9");
  const long = "x".repeat(400);
  const bounded = await safeName(long);
  assert.ok(bounded.length <= 150, `${bounded.length}`);
  assert.notEqual(bounded, await safeName(long + "y"));
});

Deno.test("an unwritable directory is a retryable delivery error", async () => {
  await using dir = await tempDir();
  const file = join(dir.path, "not-a-dir");
  await Deno.writeTextFile(file, "x");
  const error = await fileTransport(file).send("k", raw, envelope).catch((e) => e);
  assert.ok(error instanceof DeliveryError, String(error));
  assert.equal(error.permanent, false);
  assert.match(error.message, /^Cannot write .*k\.eml: /);
});
