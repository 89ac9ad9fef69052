/**
 * Many folders are declared a window at a time (src/declare/declarationWindow.ts): the program never
 * has more than FOLDERS_AHEAD folders with a registration the engine has not answered, and still
 * declares every folder, each as a run of few folders does. The memory this saves is measured by
 * `npm run bench:scale` and in the README; the real engine's answers are tested in test/e2e.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { FOLDERS_AHEAD } from "../../src/declare/declarationWindow";
import { CONTAINER, Declared, REPO_ROOT, runProgram, TEST_CONFIG } from "./recorder";

const FOLDERS = FOLDERS_AHEAD + 10;

/** FOLDERS copies of the e2e-web fixture, each with its own names. */
function manyFolders(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "window-"));
  for (let i = 0; i < FOLDERS; i++) {
    const folder = path.join(dir, "services", `web-${String(i).padStart(2, "0")}`);
    fs.cpSync(path.join(REPO_ROOT, "test/fixtures/services/e2e-web"), folder, { recursive: true });
    const compose = path.join(folder, "docker-compose.yml");
    fs.writeFileSync(compose, fs.readFileSync(compose, "utf8").replaceAll("e2e-web", `web-${i}`).replace(/\n {4}ports:\n(\s+- .*\n)+/, "\n"));
  }
  return dir;
}

const folderOf = (name: string): string => name.split("/")[0];

/** The most service folders at once with a registration sent and not all of theirs answered. */
function mostFoldersPending(d: Declared): number {
  const sent = new Map<string, number>();
  const lastAnswer = new Map<string, number>();
  d.events.forEach((e, i) => {
    const folder = folderOf(e.name);
    if (!folder.startsWith("web-")) return;
    if (e.event === "sent" && !sent.has(folder)) sent.set(folder, i);
    if (e.event === "answered") lastAnswer.set(folder, i);
  });
  let most = 0;
  for (let i = 0; i < d.events.length; i++) {
    most = Math.max(most, [...sent].filter(([f, first]) => first <= i && i < lastAnswer.get(f)!).length);
  }
  return most;
}

describe("many folders, declared a window at a time (mocks)", () => {
  let dir: string;
  let d: Declared;
  before(async () => {
    dir = manyFolders();
    d = await runProgram("test", TEST_CONFIG, { cwd: dir, answerAfterMs: 2 });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it(`keeps at most ${FOLDERS_AHEAD} folders waiting for the engine, and declares every folder`, () => {
    const folders = [...new Set(d.resources.map((r) => folderOf(r.name)))].filter((f) => f.startsWith("web-"));
    assert.equal(folders.length, FOLDERS);
    assert.equal(mostFoldersPending(d), FOLDERS_AHEAD);
    // Each folder is declared whole: its component, image, make-way, container, health wait and handover.
    const perFolder = folders.map((f) => d.resources.filter((r) => folderOf(r.name) === f).map((r) => r.name.replace(f, "")));
    for (const names of perFolder) assert.deepEqual(names, perFolder[0]);
    assert.deepEqual(perFolder[0], ["", "/web/image", "/web/make-way", "/web", "/web/healthy", "/web/handover"]);
    assert.equal(d.resources.filter((r) => r.type === CONTAINER).length, FOLDERS);
    assert.equal(Object.keys(d.outputs).length, FOLDERS);
  });
});
