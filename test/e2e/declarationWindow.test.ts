/**
 * The declaration window (src/declare/declarationWindow.ts) on the real engine: the program waits for
 * the engine's answers before declaring the next folder. With a window of one folder, the preview and
 * the up are what they are with every folder declared at once, and a folder whose build fails ends the
 * up with that failure: the program does not wait for an answer that will not come.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { docker, e2e, health, openProject, removeLeftovers, removeRunImages, REPO_ROOT, skipReason } from "./harness";

const CONTAINERS = [e2e("e2e-web"), e2e("e2e-app"), e2e("e2e-app-db")];
const NETWORKS = [e2e("e2e-app-db"), e2e("e2e-proxy")];
const VOLUMES = [e2e("e2e-app-data")];
const WINDOW = "DEPLOY_FOLDERS_AHEAD";

after(removeRunImages);

describe("folders declared one at a time (DEPLOY_FOLDERS_AHEAD=1), deployed for real", { skip: skipReason() }, () => {
  it("previews and deploys what all at once does, then nothing; a failed build ends the up with its error", async () => {
    removeLeftovers(CONTAINERS, NETWORKS, VOLUMES);
    const p = await openProject(path.join(REPO_ROOT, "test/fixtures/services"));
    const env = p.stack.workspace.envVars;
    try {
      const allAtOnce = await p.stack.preview();
      env[WINDOW] = "1";
      const oneAtATime = await p.stack.preview();
      assert.deepEqual(oneAtATime.changeSummary, allAtOnce.changeSummary);
      assert.ok((oneAtATime.changeSummary.create ?? 0) > 10, JSON.stringify(oneAtATime.changeSummary));

      const up = await p.stack.up();
      assert.equal(up.summary.result, "succeeded");
      assert.deepEqual(up.summary.resourceChanges, oneAtATime.changeSummary);
      for (const c of CONTAINERS) assert.equal(docker("inspect", "--format", "{{.State.Status}}", c), "running", c);
      assert.equal(health(e2e("e2e-web")), "healthy");
      assert.equal((await p.stack.up({ expectNoChanges: true })).summary.result, "succeeded");

      // e2e-app is declared first: its build fails, e2e-web stays as it runs.
      const web = docker("inspect", "--format", "{{.Id}}", e2e("e2e-web"));
      p.edit(e2e("services/e2e-app/Dockerfile"), (t) => `${t}RUN false\n`);
      await assert.rejects(p.stack.up(), (e: Error) => {
        assert.match(e.message, new RegExp(e2e(String.raw`e2e-app/app: docker build of \S+e2e-app:1\.0\.0 failed`)));
        return true;
      });
      assert.equal(docker("inspect", "--format", "{{.Id}}", e2e("e2e-web")), web);
      assert.equal(docker("inspect", "--format", "{{.State.Status}}", e2e("e2e-app")), "running", "the app's container is not replaced");
    } finally {
      try {
        await p.stack.destroy();
      } catch {
        removeLeftovers(CONTAINERS, NETWORKS, VOLUMES);
      }
      await p.cleanup();
    }
  });
});
