import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { runPlan } from "../../src/cli/plan";
import { rollback } from "../../src/cli/rollback";
import { closeProject, docker, dockerJson, e2e, openProject, Project, removeLeftovers, REPO_ROOT, skipReason } from "./harness";

const CONTAINERS = [e2e("e2e-web"), e2e("e2e-app"), e2e("e2e-app-db")];
const NETWORKS = [e2e("e2e-app-db"), e2e("e2e-proxy")];
const VOLUMES = [e2e("e2e-app-data")];

function inspect(name: string): { Id: string; Config: { Env: string[]; Labels: Record<string, string> }; HostConfig: { RestartPolicy: { Name: string } } } {
  return dockerJson("inspect", "--type", "container", name)[0];
}

function envOf(name: string): Record<string, string> {
  return Object.fromEntries(inspect(name).Config.Env.map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
}

/**
 * `npm run plan` against the real engine: the plan's lines for each kind of change, then `up`, then
 * the containers as Docker reports them agree with the plan; with nothing to do it exits 0 and the
 * engine's preview agrees; a secret change names the key and never the value.
 */
describe("npm run plan, on the real engine", { skip: skipReason("plan tests") }, () => {
  let p: Project;
  const plan = async (...args: string[]): Promise<{ code: number; output: string }> => p.cli((out) => runPlan(["test", ...args], p.dir, out));
  const up = async (): Promise<void> => assert.equal((await p.stack.up()).summary.result, "succeeded");
  const lineOf = (output: string, start: string): string => {
    const line = output.split("\n").find((l) => l.trim().startsWith(start));
    assert.ok(line, `no line starting with '${start}' in:\n${output}`);
    return line.trim();
  };

  before(async () => {
    removeLeftovers(CONTAINERS, NETWORKS, VOLUMES);
    p = await openProject(path.join(REPO_ROOT, "test/fixtures/services"));
  });
  after(() => closeProject(p, CONTAINERS, NETWORKS, VOLUMES));

  it("on a stack never deployed, announces every container, volume and image, and the engine agrees", async () => {
    const first = await plan();
    assert.equal(first.code, 2, first.output);
    assert.match(first.output, new RegExp(`^${e2e("e2e-web")}: created$`, "m"));
    assert.match(first.output, new RegExp(`images built: .*${e2e("registry.picasoft.net/e2e-web:1.0.0")}`));
    assert.doesNotMatch(first.output, /WARNING/);
    await up();
    const none = await plan();
    assert.equal(none.code, 0, none.output);
    assert.match(none.output, /^Plan for stack test \(test\): no change\nDeploying the working tree$/m);
    assert.match(none.output, /containers that restart: none/);
    const engine = await p.stack.preview();
    assert.deepEqual(Object.keys(engine.changeSummary).filter((op) => op !== "same"), [], "the engine agrees: nothing to do");
  });

  it("names a plain variable, a rebuilt image and its config file's diff, a Traefik rule; Docker agrees after up", async () => {
    const before = { web: inspect(e2e("e2e-web")).Id, db: inspect(e2e("e2e-app-db")).Id };
    p.edit(e2e("services/e2e-web/docker-compose.yml"), (t) => t.replace("SITE_URL: https://www.picasoft.net", "SITE_URL: https://www2.picasoft.net"));
    p.edit(e2e("services/e2e-web/site/index.html"), (t) => t.replace("Hello from", "Welcome to"));
    p.edit(e2e("services/e2e-app/docker-compose.yml"), (t) => t.replace("Host(`app.picasoft.net`)", "Host(`app2.picasoft.net`)"));
    const shown = await plan();
    assert.equal(shown.code, 2, shown.output);
    assert.doesNotMatch(shown.output, /WARNING/, "the engine touches nothing the plan did not announce");
    const out = shown.output;
    assert.match(lineOf(out, "web ("), new RegExp(`^web \\(container ${e2e("e2e-web")}\\): replaced \\(≈3 s down; stop-first: it publishes the host port \\d+\\)$`));
    assert.equal(lineOf(out, "environment SITE_URL"), "environment SITE_URL: https://www.test.picasoft.net → https://www2.test.picasoft.net");
    assert.equal(lineOf(out, "rebuilt image"), `rebuilt image ${e2e("registry.picasoft.net/e2e-web:1.0.0")} (file site/index.html changed)`);
    assert.equal(lineOf(out, "file /srv/www/index.html"), "file /srv/www/index.html changed");
    assert.match(out, /^ {6}-<html><body>Hello from/m);
    assert.match(out, /^ {6}\+<html><body>Welcome to/m);
    assert.equal(lineOf(out, "Traefik rule"), `Traefik rule traefik.http.routers.${e2e("e2e-app")}.rule: Host(\`app.test.picasoft.net\`) → Host(\`app2.test.picasoft.net\`)`);
    assert.doesNotMatch(out, /^ *db \(/m, "an unchanged container is not listed");
    const engine = (await p.stack.preview({ diff: true })).stdout;
    assert.match(engine, /~ value: "https:\/\/www\.test\.picasoft\.net" => "https:\/\/www2\.test\.picasoft\.net"/, `pulumi preview --diff shows the plain variable's change:\n${engine}`);
    const json = JSON.parse((await plan("--json", "--no-preview")).output);
    assert.equal(json.schema, "dockerfiles-plan/1");
    const web = json.services.find((s: { folder: string }) => s.folder === e2e("e2e-web"));
    assert.equal(web.containers[0].action, "replace");
    assert.deepEqual(json.costs.imagesBuilt, [e2e("registry.picasoft.net/e2e-web:1.0.0")]);

    await up();
    assert.equal(envOf(e2e("e2e-web")).SITE_URL, "https://www2.test.picasoft.net");
    assert.notEqual(inspect(e2e("e2e-web")).Id, before.web, "web was replaced");
    assert.equal(docker("exec", e2e("e2e-web"), "cat", "/srv/www/index.html"), "<html><body>Welcome to e2e-web. Documentation: https://wiki.test.picasoft.net/</body></html>".replace("e2e-web", e2e("e2e-web")));
    assert.equal(inspect(e2e("e2e-app")).Config.Labels[`traefik.http.routers.${e2e("e2e-app")}.rule`], "Host(`app2.test.picasoft.net`)");
    assert.equal(inspect(e2e("e2e-app-db")).Id, before.db, "db was left alone");
    assert.equal((await plan()).code, 0);
  });

  it("names a changed secret by its key, never its value; a restart policy is updated in place", async () => {
    const value = `plan-secret-${randomBytes(6).toString("hex")}`;
    const before = { db: inspect(e2e("e2e-app-db")).Id };
    p.edit(e2e("services/e2e-web/secrets/web.secrets.example"), () => `WEB_PASSWORD=${value}\n`);
    p.edit(e2e("services/e2e-app/docker-compose.yml"), (t) => t.replace("    labels:\n      role: database\n", "    labels:\n      role: database\n    restart: always\n"));
    const outputs = [await plan(), await plan("--markdown"), await plan("--json")];
    outputs.push({ code: 2, output: (await p.stack.preview({ diff: true })).stdout });
    for (const o of outputs) {
      assert.equal(o.code, 2, o.output);
      assert.ok(!o.output.includes(value), `the secret's value appears in:\n${o.output}`);
    }
    const text = outputs[0].output;
    assert.doesNotMatch(text, /WARNING/, text);
    assert.equal(lineOf(text, "secret WEB_PASSWORD"), "secret WEB_PASSWORD changed (value not shown)");
    assert.match(lineOf(text, "web ("), new RegExp(`^web \\(container ${e2e("e2e-web")}\\): replaced \\(≈3 s down; stop-first: it publishes the host port \\d+\\)$`));
    assert.equal(lineOf(text, "db ("), `db (container ${e2e("e2e-app-db")}): updated in place`);
    assert.equal(lineOf(text, "restart policy"), "restart policy: no → always");

    await up();
    assert.equal(envOf(e2e("e2e-web")).WEB_PASSWORD, value);
    assert.equal(inspect(e2e("e2e-app-db")).HostConfig.RestartPolicy.Name, "always");
    assert.equal(inspect(e2e("e2e-app-db")).Id, before.db, "updated in place: the same container");
    const stackOutputs = await p.stack.outputs();
    assert.equal(stackOutputs.services.secret, false, "the records are plain: they hold no secret");
    assert.equal(stackOutputs.recordKey.secret, true, "the record key is a secret");
    const outputsJson = JSON.stringify(stackOutputs, (k, v: unknown) => (k === "recordKey" ? "(key)" : v));
    assert.ok(!outputsJson.includes(value), "the record in the stack's outputs holds no secret value");
    assert.equal((await plan()).code, 0);
  });

  it("announces a test volume replaced (its data lost) and the containers that mount it; Docker agrees", async () => {
    p.edit(e2e("services/e2e-app/docker-compose.yml"), (t) => t.replace(`    name: ${e2e("e2e-app-data")}\n`, `    name: ${e2e("e2e-app-data")}\n    labels:\n      backup: daily\n`));
    const shown = await plan();
    assert.equal(shown.code, 2, shown.output);
    assert.doesNotMatch(shown.output, /WARNING/, shown.output);
    assert.equal(lineOf(shown.output, "volume data"), `volume data (${e2e("e2e-app-data")}): replaced (label backup added: daily) — replaced: its data is LOST (test stack)`);
    assert.equal(lineOf(shown.output, "db ("), `db (container ${e2e("e2e-app-db")}): replaced (≈3 s down; stop-first: it writes the named volume ${e2e("e2e-app-data")}); depended on by app (service_healthy)`);
    await up();
    assert.equal(dockerJson("volume", "inspect", e2e("e2e-app-data"))[0].Labels.backup, "daily");
    assert.equal((await plan()).code, 0);
  });

  it("npm run rollback shows the same plan before applying", async () => {
    fs.writeFileSync(p.file(".gitignore"), "node_modules\n.state/\n.deploy/\n");
    p.git("init", "-q");
    p.git("add", "-A");
    p.git("commit", "-qm", "A");
    const a = p.git("rev-parse", "HEAD");
    p.edit(e2e("services/e2e-web/docker-compose.yml"), (t) => t.replace("SITE_URL: https://www2.picasoft.net", "SITE_URL: https://www3.picasoft.net"));
    p.git("commit", "-qam", "B");
    await up();
    const back = await p.cli((out) => rollback(["test", a, "--yes"], p.dir, out, () => undefined));
    assert.equal(back.code, 0, back.output);
    const planAt = back.output.indexOf("Plan for stack test (test): changes");
    assert.ok(planAt >= 0 && planAt < back.output.indexOf("rollback: services that change:"), back.output);
    assert.match(back.output, new RegExp(`^Deploying revision ${a}, the stack's servicesRef$`, "m"));
    assert.equal(lineOf(back.output, "environment SITE_URL"), "environment SITE_URL: https://www3.test.picasoft.net → https://www2.test.picasoft.net");
    assert.doesNotMatch(back.output, /WARNING/, back.output);
    assert.equal(envOf(e2e("e2e-web")).SITE_URL, "https://www2.test.picasoft.net");
  });
});
