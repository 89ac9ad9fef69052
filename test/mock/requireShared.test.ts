import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PROD_SECRETS, runProgram } from "./recorder";

describe("prod with state.requireShared on a file backend (mocks)", () => {
  it("stops the program before anything is declared", async () => {
    const failure = await runProgram(
      "prod",
      { kind: "prod", registry: { server: "registry.picasoft.net", username: "deploy", password: "registry-pass" }, secrets: PROD_SECRETS, state: { requireShared: true } },
      { secretKeys: ["secrets", "registry"] },
    ).then(() => undefined, (e: Error) => e);
    assert.ok(failure instanceof Error, "the program fails");
    assert.match(failure.message, /1 problem\(s\) in the service folders; nothing was declared/);
  });
});
