import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { brokenCheckpoint, repairCheckpoint } from "../../src/state/checkpointRepair";

const state = (resources: number): string => JSON.stringify({ version: 3, checkpoint: { stack: "test", latest: { resources: Array.from({ length: resources }, (_, i) => ({ urn: `r${i}` })) } } });
const METADATA = JSON.stringify({ "user.cache_control": "", "user.content_type": "application/json", md5: "AAAA" });
const NOW = new Date("2026-11-25T12:00:00Z");

/** A directory backend holding the stack `test` of project `dockerfiles`: files relative to its stacks folder. */
function backend(files: Record<string, string>): { dir: string; stacks: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "checkpoint-"));
  const stacks = path.join(dir, ".pulumi/stacks/dockerfiles");
  fs.mkdirSync(stacks, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(stacks, name)), { recursive: true });
    fs.writeFileSync(path.join(stacks, name), text);
  }
  return { dir, stacks };
}

describe("a stack's state left unreadable by a pulumi killed while writing it", () => {
  it("nothing to repair when the state and its metadata read, or when there is no state", () => {
    const ok = backend({ "test.json": state(2), "test.json.attrs": METADATA });
    const none = backend({});
    try {
      assert.equal(brokenCheckpoint(ok.dir, "dockerfiles", "test"), undefined);
      assert.equal(brokenCheckpoint(none.dir, "dockerfiles", "test"), undefined);
    } finally {
      fs.rmSync(ok.dir, { recursive: true, force: true });
      fs.rmSync(none.dir, { recursive: true, force: true });
    }
  });

  it("metadata emptied (the blob library rewrites it in place before renaming the new state in): set aside alone, the state file kept", () => {
    const b = backend({ "test.json": state(2), "test.json.attrs": "", "test.json.bak": state(1) });
    try {
      const repair = brokenCheckpoint(b.dir, "dockerfiles", "test");
      assert.deepEqual(repair, { state: undefined, metadata: path.join(b.stacks, "test.json.attrs") });
      assert.deepEqual(repairCheckpoint(repair, NOW), { state: undefined, metadata: path.join(b.stacks, "test.json.attrs.broken-2026-11-25T12-00-00-000Z") });
      assert.equal(fs.readFileSync(path.join(b.stacks, "test.json"), "utf8"), state(2), "the state is not touched");
      assert.equal(fs.existsSync(path.join(b.stacks, "test.json.attrs")), false);
      assert.equal(brokenCheckpoint(b.dir, "dockerfiles", "test"), undefined, "nothing left to repair");
    } finally {
      fs.rmSync(b.dir, { recursive: true, force: true });
    }
  });

  it("the state cut short: put back from the copy before that write, its broken metadata set aside too", () => {
    const b = backend({ "test.json": state(2).slice(0, 40), "test.json.attrs": METADATA.slice(0, 10), "test.json.bak": state(1) });
    try {
      const repair = brokenCheckpoint(b.dir, "dockerfiles", "test");
      assert.deepEqual(repair, { state: { broken: path.join(b.stacks, "test.json"), from: path.join(b.stacks, "test.json.bak") }, metadata: path.join(b.stacks, "test.json.attrs") });
      const kept = repairCheckpoint(repair, NOW);
      assert.deepEqual(kept, { state: path.join(b.stacks, "test.json.broken-2026-11-25T12-00-00-000Z"), metadata: path.join(b.stacks, "test.json.attrs.broken-2026-11-25T12-00-00-000Z") });
      assert.equal(fs.readFileSync(path.join(b.stacks, "test.json"), "utf8"), state(1));
      assert.equal(fs.readFileSync(path.join(b.stacks, "test.json.broken-2026-11-25T12-00-00-000Z"), "utf8"), state(2).slice(0, 40), "the broken file is kept as it was");
      assert.equal(brokenCheckpoint(b.dir, "dockerfiles", "test"), undefined);
    } finally {
      fs.rmSync(b.dir, { recursive: true, force: true });
    }
  });

  it("the state and its copy both cut short: put back from the newest update in the history", () => {
    const b = backend({ "test.json": "", "test.json.bak": "{" });
    const history = path.join(b.dir, ".pulumi/history/dockerfiles/test");
    fs.mkdirSync(history, { recursive: true });
    fs.writeFileSync(path.join(history, "test-1795000000000000000.checkpoint.json"), state(1));
    fs.writeFileSync(path.join(history, "test-1795000009000000000.checkpoint.json"), state(3));
    try {
      const repair = brokenCheckpoint(b.dir, "dockerfiles", "test");
      assert.deepEqual(repair, { state: { broken: path.join(b.stacks, "test.json"), from: path.join(history, "test-1795000009000000000.checkpoint.json") }, metadata: undefined });
    } finally {
      fs.rmSync(b.dir, { recursive: true, force: true });
    }
  });
});
