import assert from "node:assert/strict";
import { decodeIntentFlags, encodeIntent, IntentFlagsError, INTENTS } from "../src/classify/intents.ts";

Deno.test("the intents are in the one-hot order of the seed", () => {
  assert.deepEqual([...INTENTS], ["send_info", "create_account", "unknown", "speak_to_human", "reserved"]);
});

Deno.test("every intent encodes to five booleans with one true at its index, and decodes back", () => {
  for (const [index, intent] of INTENTS.entries()) {
    const flags = encodeIntent(intent);
    assert.equal(flags.length, 5);
    assert.deepEqual(flags.flatMap((f, i) => f ? [i] : []), [index]);
    assert.equal(decodeIntentFlags(flags), intent);
  }
});

Deno.test("decoding rejects an array of the wrong length with a clear message", () => {
  assert.throws(() => decodeIntentFlags([true, false, false, false]), {
    name: "IntentFlagsError",
    message: "Cannot decode intent flags: expected 5 booleans, got 4",
  });
  assert.throws(() => decodeIntentFlags([true, false, false, false, false, false]), IntentFlagsError);
  assert.throws(() => decodeIntentFlags([]), IntentFlagsError);
});

Deno.test("decoding rejects values that are not an array of booleans", () => {
  for (
    const bad of [null, undefined, "send_info", 0, { 0: true }, [1, 0, 0, 0, 0], [
      true,
      "false",
      false,
      false,
      false,
    ]]
  ) {
    assert.throws(() => decodeIntentFlags(bad), IntentFlagsError, `accepted ${JSON.stringify(bad)}`);
  }
  assert.throws(() => decodeIntentFlags([1, 0, 0, 0, 0]), /element 0 is 1, not a boolean/);
});

Deno.test("decoding rejects no true and more than one true", () => {
  assert.throws(
    () => decodeIntentFlags([false, false, false, false, false]),
    /expected exactly one true, got 0/,
  );
  assert.throws(
    () => decodeIntentFlags([true, false, false, true, false]),
    /expected exactly one true, got 2/,
  );
});

Deno.test("encoding an unknown intent name is rejected", () => {
  assert.throws(() => encodeIntent("delete_everything" as never), /Cannot encode intent/);
});
