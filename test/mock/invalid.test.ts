import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { Declared, REPO_ROOT, runProgram, TEST_CONFIG } from "./recorder";

describe("an invalid service folder (mocks)", () => {
  it("stops the program before anything is declared, naming every problem", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "invalid-"));
    try {
      fs.cpSync(path.join(REPO_ROOT, "services"), path.join(dir, "services"), { recursive: true });
      const compose = path.join(dir, "services/pica-pad/docker-compose.yml");
      fs.writeFileSync(compose, fs.readFileSync(compose, "utf8").replace("container_name: pica-pad-db", "container_nam: pica-pad-db"));
      fs.rmSync(path.join(dir, "services/pica-mattermost/secrets/mattermost.secrets.example"));
      const logged: string[] = [];
      const original = console.error;
      let failure: unknown;
      let d: Declared | undefined;
      try {
        d = await runProgram("test", TEST_CONFIG, { cwd: dir });
      } catch (e) {
        failure = e;
      } finally {
        console.error = original;
      }
      void logged;
      assert.ok(failure instanceof Error, "the program fails");
      assert.match(String((failure).message), /2 problem\(s\) in the service folders; nothing was declared/);
      assert.equal(d, undefined);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
