import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { describe, it } from "node:test";

/** Runs the program under mocks in a fresh process and returns what it declared, as JSON. */
function declareInFreshProcess(stack: string): string {
  return execFileSync(process.execPath, ["--import", "tsx", path.join(__dirname, "declareOnce.ts"), stack], { encoding: "utf8", cwd: path.join(__dirname, "../..") });
}

describe("determinism", () => {
  it("importing the program twice with the same inputs declares identical inputs", () => {
    const first = declareInFreshProcess("test");
    const second = declareInFreshProcess("test");
    const parsed = JSON.parse(first);
    assert.ok(parsed.length > 10, "the program declared resources");
    assert.equal(second, first);
  });
});
