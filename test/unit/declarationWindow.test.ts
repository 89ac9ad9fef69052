import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type * as pulumi from "@pulumi/pulumi";
import { DeclarationWindow, FOLDERS_AHEAD, foldersAhead } from "../../src/declare/declarationWindow";

/** A resource whose registration the test answers (its URN resolves) or fails (its URN rejects). */
function resource(): { resource: pulumi.Resource; answer: () => void; fail: () => void } {
  let answer!: () => void;
  let fail!: () => void;
  const urn = new Promise<string>((resolve, reject) => {
    answer = () => resolve("urn:pulumi:test::dockerfiles::x::y");
    fail = () => reject(new Error("resource y [x] failed to register"));
  });
  return { resource: { urn: { promise: () => urn } } as unknown as pulumi.Resource, answer, fail };
}

/** Whether a promise has settled, after the pending callbacks ran. */
async function settled(p: Promise<void>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
}

describe("the declaration window", () => {
  it("lets the next folder be declared once the oldest is answered, every one of its resources", async () => {
    const window = new DeclarationWindow(2);
    const [a1, a2, b] = [resource(), resource(), resource()];
    assert.ok(await settled(window.declared([a1.resource, a2.resource])), "one folder pending: the next one goes on");
    const second = window.declared([b.resource]);
    assert.equal(await settled(second), false, "two pending: waits for the oldest");
    a1.answer();
    assert.equal(await settled(second), false, "the oldest is not answered until all of its resources are");
    a2.answer();
    assert.ok(await settled(second));
  });

  it("counts a failed registration as answered: the next folders are still declared", async () => {
    const window = new DeclarationWindow(1);
    const a = resource();
    const first = window.declared([a.resource]);
    assert.equal(await settled(first), false);
    a.fail();
    assert.ok(await settled(first));
  });
});

describe("the declaration window's size", () => {
  it(`is ${FOLDERS_AHEAD} folders, or DEPLOY_FOLDERS_AHEAD's whole number; anything else is refused, naming the variable`, () => {
    assert.equal(foldersAhead(() => undefined), FOLDERS_AHEAD);
    assert.equal(foldersAhead(() => ""), FOLDERS_AHEAD);
    assert.equal(foldersAhead((n) => (n === "DEPLOY_FOLDERS_AHEAD" ? "4" : undefined)), 4);
    for (const wrong of ["0", "-1", "2.5", "many", " 3"]) {
      assert.throws(() => foldersAhead(() => wrong), new RegExp(`^Error: DEPLOY_FOLDERS_AHEAD=${wrong.replace(/[.+]/g, "\\$&")}: expected a whole number of folders from 1 \\(32 when unset\\)$`));
    }
  });
});
