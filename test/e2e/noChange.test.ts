import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { excludeArgs, UNCHANGED_FOLDERS_ENV, unchangedFoldersValue } from "../../src/plan/leftOut";
import { closeProject, docker, dockerJson, e2e, openProject, Project, PULUMI_ROOT, removeLeftovers, REPO_ROOT, skipReason } from "./harness";

const CONTAINERS = [e2e("e2e-web"), e2e("e2e-app"), e2e("e2e-app-db")];
const NETWORKS = [e2e("e2e-app-db"), e2e("e2e-proxy")];
const VOLUMES = [e2e("e2e-app-data")];

/**
 * The README's deploy command (`bash scripts/deploy.sh --yes`) decides "nothing to do" without the
 * engine, and never skips a change: each kind of input changed (compose key, config file, secret,
 * Dockerfile, stack setting, the program itself) and Docker changed by hand (a container removed, one
 * stopped) makes the engine run, and Docker then runs the change.
 */
describe("deploy.sh: nothing to do, decided without the engine", { skip: skipReason("no-change check tests") }, () => {
  let p: Project;
  const historyDir = (): string => path.join(p.dir, ".state/.pulumi/history/dockerfiles/test");
  const engineRuns = (): number => (fs.existsSync(historyDir()) ? fs.readdirSync(historyDir()).filter((f) => f.endsWith(".history.json")).length : 0);
  const deploy = (): { code: number; output: string; engineRan: boolean } => {
    const runs = engineRuns();
    const r = spawnSync("bash", ["scripts/deploy.sh", "--yes"], { cwd: p.dir, env: { ...process.env, ...p.env }, encoding: "utf8" });
    return { code: r.status ?? -1, output: `${r.stdout}${r.stderr}`, engineRan: engineRuns() > runs };
  };
  const checkpointResources = (): { urn: string }[] => JSON.parse(fs.readFileSync(path.join(p.dir, ".state/.pulumi/stacks/dockerfiles/test.json"), "utf8")).checkpoint.latest.resources;
  /** `pulumi up --yes` run by hand, with extra arguments and environment. */
  const pulumiUp = (...args: (string | Record<string, string>)[]): { status: number; output: string } => {
    const env = args.find((a): a is Record<string, string> => typeof a !== "string") ?? {};
    const r = spawnSync("pulumi", ["up", "--yes", "--non-interactive", "--stack", "test", ...args.filter((a): a is string => typeof a === "string")], { cwd: p.dir, env: { ...process.env, ...p.env, ...env, PATH: `${path.join(PULUMI_ROOT, "bin")}:${process.env.PATH ?? ""}` }, encoding: "utf8" });
    return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
  };
  const labelOf = (container: string, label: string): string | undefined => dockerJson("inspect", "--type", "container", container)[0].Config.Labels[label];
  /**
   * A change: the check names it, the engine runs and succeeds (refreshing first only when Docker
   * drifted: a changed folder's container still runs what the state holds), and the deploy after it
   * has nothing to do.
   */
  const deployChange = (named: RegExp, drifted = false): string => {
    const changed = deploy();
    assert.equal(changed.code, 0, changed.output);
    assert.match(changed.output, named, changed.output);
    assert.equal(/Docker drifted: the engine refreshes first/.test(changed.output), drifted, changed.output);
    assert.ok(changed.engineRan, `the engine ran:\n${changed.output}`);
    const again = deploy();
    assert.equal(again.code, 0, again.output);
    assert.match(again.output, /deploy: nothing to do on stack test: its 2 service folder\(s\)/, again.output);
    assert.ok(!again.engineRan, `the engine did not run:\n${again.output}`);
    return changed.output;
  };

  before(async () => {
    removeLeftovers(CONTAINERS, NETWORKS, VOLUMES);
    p = await openProject(path.join(REPO_ROOT, "test/fixtures/services"));
  });
  after(() => closeProject(p, CONTAINERS, NETWORKS, VOLUMES));

  it("deploys first with the engine, then says nothing to do without it; the state and Docker are left as they were", () => {
    const first = deploy();
    assert.equal(first.code, 0, first.output);
    assert.ok(first.engineRan);
    const ids = CONTAINERS.map((c) => dockerJson("inspect", "--type", "container", c)[0].Id as string);
    const state = fs.readFileSync(path.join(p.dir, ".state/.pulumi/stacks/dockerfiles/test.json"), "utf8");
    for (let i = 0; i < 2; i++) {
      const noop = deploy();
      assert.equal(noop.code, 0, noop.output);
      assert.match(noop.output, /deploy: nothing to do on stack test/, noop.output);
      assert.ok(!noop.engineRan, noop.output);
    }
    assert.deepEqual(CONTAINERS.map((c) => dockerJson("inspect", "--type", "container", c)[0].Id as string), ids);
    assert.equal(fs.readFileSync(path.join(p.dir, ".state/.pulumi/stacks/dockerfiles/test.json"), "utf8"), state);
    const memo = fs.readFileSync(path.join(p.dir, ".deploy/up-to-date-test.json"), "utf8");
    assert.ok(!memo.includes("dummy-web-password") && !memo.includes("dummy-api-token"), "the kept computation holds no secret value");
  });

  it("runs the engine for a compose key, a config file, a secret, a Dockerfile and a stack setting, each deployed", () => {
    const web = e2e("e2e-web");
    p.edit(e2e("services/e2e-app/docker-compose.yml"), (t) => t.replace("      role: database\n", "      role: database\n      tier: data\n"));
    deployChange(new RegExp(`${e2e("e2e-app")}: changed`));
    assert.equal(labelOf(e2e("e2e-app-db"), "tier"), "data");

    p.edit(e2e("services/e2e-web/site/index.html"), (t) => t.replace("Hello from", "Greetings from"));
    deployChange(new RegExp(`${web}: changed`));
    assert.match(docker("exec", web, "cat", "/srv/www/index.html"), /Greetings from/);

    const password = `changed-${Date.now()}`;
    p.edit(e2e("services/e2e-web/secrets/web.secrets.example"), () => `WEB_PASSWORD=${password}\n`);
    const secretChange = deployChange(new RegExp(`${web}: changed`));
    assert.ok(!secretChange.includes(password), "the check never prints a secret");
    assert.match(docker("exec", web, "printenv", "WEB_PASSWORD"), new RegExp(password));

    p.edit(e2e("services/e2e-web/Dockerfile"), (t) => `${t}LABEL fixture.rebuilt="yes"\n`);
    deployChange(new RegExp(`${web}: changed`));
    assert.equal(dockerJson("image", "inspect", e2e("registry.picasoft.net/e2e-web:1.0.0"))[0].Config.Labels["fixture.rebuilt"], "yes");

    p.edit("Pulumi.test.yaml", (t) => t.replace("    - from: picasoft.net\n", "    - from: wiki.picasoft.net\n      to: wiki.example.test\n    - from: picasoft.net\n"));
    deployChange(/the program, the stack's settings or the commit changed/);
    assert.match(docker("exec", web, "cat", "/srv/www/index.html"), /https:\/\/wiki\.example\.test\//);
  });

  it("leaves the unchanged folder out of the engine run: its resources stay in the state and in Docker as they were", () => {
    const web = e2e("e2e-web");
    // Each save of the state encrypts its secrets again (a new nonce): the ciphertexts are left out.
    const webState = (): string => JSON.stringify(checkpointResources().filter((r) => r.urn.slice(r.urn.lastIndexOf("::") + 2).split("/")[0] === web), (k, v: unknown) => (k === "ciphertext" ? "…" : v));
    const before = { state: webState(), container: dockerJson("inspect", "--type", "container", web)[0].Id as string };
    assert.ok(JSON.parse(before.state).length >= 4, before.state);
    p.edit(e2e("services/e2e-app/docker-compose.yml"), (t) => t.replace("      tier: data\n", "      tier: storage\n"));
    const output = deployChange(new RegExp(`${e2e("e2e-app")}: changed`));
    assert.match(output, /deploy: the engine leaves out the 1 unchanged service folder\(s\) \(pulumi up --exclude\)/, output);
    assert.equal(labelOf(e2e("e2e-app-db"), "tier"), "storage");
    assert.deepEqual(JSON.parse(webState()), JSON.parse(before.state));
    assert.equal(dockerJson("inspect", "--type", "container", web)[0].Id, before.container);
  });

  it("after an up narrowed by hand (--exclude), runs the engine on everything: what was left out is deployed", () => {
    const web = e2e("e2e-web");
    p.edit(e2e("services/e2e-web/site/index.html"), (t) => t.replace("Greetings from", "Welcome from"));
    p.edit(e2e("services/e2e-app/docker-compose.yml"), (t) => t.replace("      tier: storage\n", "      tier: archive\n"));
    const byHand = pulumiUp(...excludeArgs("dockerfiles", "test", web));
    assert.equal(byHand.status, 0, byHand.output);
    assert.equal(labelOf(e2e("e2e-app-db"), "tier"), "archive");
    assert.match(docker("exec", web, "cat", "/srv/www/index.html"), /Greetings from/);
    deployChange(/recorded no fingerprints \(.*a targeted up: --target, --exclude\)/);
    assert.match(docker("exec", web, "cat", "/srv/www/index.html"), /Welcome from/);
  });

  it("stops before any step when a folder deploy.sh left out changed since its check", () => {
    const web = e2e("e2e-web");
    const ids = CONTAINERS.map((c) => dockerJson("inspect", "--type", "container", c)[0].Id as string);
    p.edit(e2e("services/e2e-web/site/index.html"), (t) => t.replace("Welcome from", "Hello again from"));
    // As if the check had run before this edit: it saw the fingerprints deployed.
    const deployed = JSON.parse(fs.readFileSync(path.join(p.dir, ".state/.pulumi/stacks/dockerfiles/test.json"), "utf8")).checkpoint.latest.resources.find((r: { type: string }) => r.type === "pulumi:pulumi:Stack").outputs.fingerprints;
    const stale = pulumiUp(...excludeArgs("dockerfiles", "test", web), { [UNCHANGED_FOLDERS_ENV]: unchangedFoldersValue(deployed, [web]) });
    assert.notEqual(stale.status, 0, stale.output);
    assert.match(stale.output, new RegExp(`services/${web} changed after deploy's no-change check, which left the unchanged folders out of this run: nothing was changed; run bash scripts/deploy.sh again`), stale.output);
    assert.deepEqual(CONTAINERS.map((c) => dockerJson("inspect", "--type", "container", c)[0].Id as string), ids);
    const again = deploy();
    assert.equal(again.code, 0, again.output);
    assert.match(docker("exec", web, "cat", "/srv/www/index.html"), /Hello again from/);
  });

  it("runs the engine when the program changes (the check is bundled again)", () => {
    p.edit("src/plan/upToDate.ts", (t) => `${t}\n// edited by the no-change test\n`);
    deployChange(/the program, the stack.s settings or the commit changed since the last up/);
  });

  it("refreshes when Docker drifted: a container removed, or stopped, by hand is put back", () => {
    docker("rm", "-f", e2e("e2e-web"));
    deployChange(new RegExp(`container ${e2e("e2e-web")} is gone`), true);
    assert.equal(dockerJson("inspect", "--type", "container", e2e("e2e-web"))[0].State.Running, true);

    docker("stop", e2e("e2e-app"));
    deployChange(new RegExp(`container ${e2e("e2e-app")} is exited`), true);
    assert.equal(dockerJson("inspect", "--type", "container", e2e("e2e-app"))[0].State.Running, true);
  });
});
