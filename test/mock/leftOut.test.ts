/**
 * A folder the engine leaves out (src/plan/leftOut.ts) is not declared, and the program's outputs are
 * the same as when it is: its containers' names, images and record. Every other resource is declared
 * as in a full run. A run narrowed otherwise records no fingerprints. The engine's side (Pulumi keeps
 * an excluded resource the program does not declare) is tested on the real engine in test/e2e.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { excludeArgs, UNCHANGED_FOLDERS_ENV, unchangedFoldersValue } from "../../src/plan/leftOut";

interface Run {
  resources: { type: string; name: string; inputs: unknown; options: unknown }[];
  outputs: Record<string, unknown>;
  fingerprints?: { stack: string; folders: Record<string, string> };
}

const REPO = path.join(__dirname, "../..");
function declare(args: string[], env: Record<string, string> = {}): Run {
  const out = execFileSync(process.execPath, ["--import", "tsx", path.join(__dirname, "declareScoped.ts"), JSON.stringify(args)], { encoding: "utf8", cwd: REPO, env: { ...process.env, ...env } });
  return JSON.parse(out) as Run;
}
const inFolder = (folder: string) => (r: { name: string }): boolean => r.name === folder || r.name.startsWith(`${folder}/`);

describe("a folder left out of the engine run (mocks)", () => {
  let full: Run;
  before(() => {
    full = declare(["up", "--yes"]);
  });

  it("declares nothing of it and everything else as a full run does; the outputs are the same", () => {
    const folders = Object.keys(full.fingerprints!.folders);
    assert.ok(folders.includes("pica-pad") && folders.length >= 3, folders.join(" "));
    const args = ["up", "--yes", ...excludeArgs("dockerfiles", "test", "pica-pad")];
    const scoped = declare(args, { [UNCHANGED_FOLDERS_ENV]: unchangedFoldersValue(full.fingerprints!, ["pica-pad"]) });
    assert.ok(full.resources.some(inFolder("pica-pad")));
    assert.deepEqual(scoped.resources.filter(inFolder("pica-pad")), []);
    assert.deepEqual(scoped.resources, full.resources.filter((r) => !inFolder("pica-pad")(r)));
    assert.deepEqual(scoped.outputs, full.outputs);
    assert.deepEqual(scoped.fingerprints, full.fingerprints);
  });

  it("declares it when the check's fingerprint is not given, and then records no fingerprints", () => {
    const scoped = declare(["up", "--yes", ...excludeArgs("dockerfiles", "test", "pica-pad")]);
    assert.deepEqual(scoped.resources, full.resources);
    assert.equal(scoped.fingerprints, undefined);
    assert.equal(declare(["up", "--target", "urn:pulumi:test::dockerfiles::**::pica-pad/**"]).fingerprints, undefined);
  });

  it("stops before declaring anything when the folder changed since the check", () => {
    const args = ["up", "--yes", ...excludeArgs("dockerfiles", "test", "pica-pad")];
    const r = spawnSync(process.execPath, ["--import", "tsx", path.join(__dirname, "declareScoped.ts"), JSON.stringify(args)], { encoding: "utf8", cwd: REPO, env: { ...process.env, [UNCHANGED_FOLDERS_ENV]: JSON.stringify({ stack: full.fingerprints!.stack, folders: { "pica-pad": "0000" } }) } });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /services\/pica-pad changed after deploy's no-change check, which left the unchanged folders out of this run: nothing was changed; run bash scripts\/deploy.sh again/);
  });
});
