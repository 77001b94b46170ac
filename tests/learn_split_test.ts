import assert from "node:assert/strict";
import { measureLearning } from "../bench/learning.ts";
import { CORPUS_DIR } from "./helpers/corpus.ts";

Deno.test("learning never makes the offline classifier worse on the half of the dev corpus it did not see", async () => {
  const r = await measureLearning(CORPUS_DIR, { database: true });
  assert.equal(r.halves.length, 2);
  for (const h of r.halves) {
    assert.ok(h.scored_human > 50, `${h.scored_human} human emails scored`);
    assert.equal(h.taught, 77, "every taught email is an example in the database");
    assert.ok(h.lenient_with >= h.lenient_without, `with ${h.lenient_with} < without ${h.lenient_without}`);
    assert.equal(h.broken, 0, "a decision the lexicon had right was changed");
    // Plain nearest neighbour is far worse than the lexicon: why the examples decide only on a close match.
    assert.ok(h.lenient_nearest_only < h.lenient_without - 0.2);
  }
  assert.ok(r.lenient_with >= r.lenient_without);
});
