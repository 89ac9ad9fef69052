import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { rollback } from "../../src/cli/rollback";
import { status } from "../../src/cli/status";
import { closeProject, docker, e2e, openProject, Project, removeLeftovers, REPO_ROOT, skipReason } from "./harness";

/**
 * Going back to an earlier commit in one step, for real: `npm run rollback` on a git repository the
 * test makes, A → B (image version bump and an environment change) → back to A → forward to B → C
 * (a README edit). After each step the running containers are exactly those of that commit.
 */
describe("rollback between commits, deployed for real", { skip: skipReason("rollback tests") }, () => {
  const CONTAINERS = [e2e("e2e-web"), e2e("e2e-app"), e2e("e2e-app-db")];
  let p: Project;
  const commits: Record<string, string> = {};
  const git = (...args: string[]): string => p.git(...args);
  const commit = (name: string): void => {
    git("add", "-A");
    git("commit", "-qm", name);
    commits[name] = git("rev-parse", "HEAD");
  };
  /** `npm run rollback -- test <commit> --yes`, with the project's backend and passphrase. */
  const roll = async (to: string): Promise<{ code: number; output: string }> => {
    const saved = { ...process.env };
    Object.assign(process.env, p.env);
    const lines: string[] = [];
    try {
      const code = await rollback(["test", commits[to], "--yes"], p.dir, (l) => lines.push(l + "\n"), (t) => lines.push(t));
      return { code, output: lines.join("") };
    } finally {
      process.env = saved;
    }
  };
  /** `npm run status -- test`: the line of each service folder. */
  const statusOf = async (): Promise<string> => (await p.cli((out) => status(["test"], p.dir, out))).output;
  const deployedAt = (text: string, folder: string, commit: string): void =>
    assert.match(text, new RegExp(`^test ${e2e(folder)}: deployed ${commits[commit].slice(0, 12)} .*containers: in sync`, "m"), text);
  const running = (): Record<string, string> => Object.fromEntries(CONTAINERS.map((c) => [c, docker("inspect", "--format", "{{.Config.Image}} {{range .Config.Env}}{{.}} {{end}}", c)]));
  const web = (): string => docker("inspect", "--format", "{{.Config.Image}} {{range .Config.Env}}{{if eq (index (split . \"=\") 0) \"SITE_URL\"}}{{.}}{{end}}{{end}}", e2e("e2e-web"));

  before(async () => {
    removeLeftovers(CONTAINERS, [e2e("e2e-app-db"), e2e("e2e-proxy")], [e2e("e2e-app-data")]);
    p = await openProject(path.join(REPO_ROOT, "test/fixtures/services"));
    fs.writeFileSync(p.file(".gitignore"), "node_modules\n.state/\n.deploy/\n");
    git("init", "-q");
    commit("A");
  });
  after(() => closeProject(p, CONTAINERS, [e2e("e2e-app-db"), e2e("e2e-proxy")], [e2e("e2e-app-data")]));

  it("deploys B, then goes back to A: A's image (not rebuilt) and environment, B's data kept", async () => {
    assert.equal((await p.stack.up()).summary.result, "succeeded");
    const atA = running();
    p.edit(e2e("services/e2e-web/docker-compose.yml"), (t) => t.replace(e2e("e2e-web:1.0.0"), e2e("e2e-web:1.1.0")).replace("SITE_URL: https://www.picasoft.net", "SITE_URL: https://www2.picasoft.net"));
    p.edit(e2e("services/e2e-web/Dockerfile"), (t) => t.replace("WEB_VERSION=1.0.0", "WEB_VERSION=1.1.0"));
    commit("B");
    assert.equal((await p.stack.up()).summary.result, "succeeded");
    assert.equal(web(), e2e("registry.picasoft.net/e2e-web:1.1.0 SITE_URL=https://www2.test.picasoft.net"));
    docker("exec", e2e("e2e-app-db"), "sh", "-c", "echo written-at-B > /data/b.txt");

    const back = await roll("A");
    assert.equal(back.code, 0, back.output);
    // Only what differs between B and A changes: the web service (its image and environment).
    const after = back.output.slice(back.output.indexOf("rollback: services that change:")).split("\n").slice(1);
    const summary = after.slice(0, after.findIndex((l) => !l.startsWith("  ")));
    assert.deepEqual(summary, [e2e("  e2e-web: web/image (replace), web/healthy (replace), web (replace)")]);
    assert.match(back.output, new RegExp(e2e(String.raw`registry\.picasoft\.net/e2e-web:1\.0\.0 is already built from these inputs`)), "A's image is reused, not rebuilt");
    assert.deepEqual(running(), atA);
    assert.equal(docker("exec", e2e("e2e-app-db"), "cat", "/data/b.txt"), "written-at-B");
    const shown = await statusOf();
    deployedAt(shown, "e2e-web", "A");
    deployedAt(shown, "e2e-app", "A");
  });

  it("goes forward to B again, and a README-only commit C changes nothing", async () => {
    const forward = await roll("B");
    assert.equal(forward.code, 0, forward.output);
    assert.equal(web(), e2e("registry.picasoft.net/e2e-web:1.1.0 SITE_URL=https://www2.test.picasoft.net"));
    const atB = running();
    deployedAt(await statusOf(), "e2e-web", "B");
    p.edit(e2e("services/e2e-web/README.md"), (t) => t + "\nMore documentation.\n");
    commit("C");
    const readmeOnly = await roll("C");
    assert.equal(readmeOnly.code, 0, readmeOnly.output);
    assert.match(readmeOnly.output, /already runs what .* describes/);
    assert.deepEqual(running(), atB);
  });
});
