import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { runPlan } from "../../src/cli/plan";
import { restore } from "../../src/cli/restore";
import { rollback } from "../../src/cli/rollback";
import { status } from "../../src/cli/status";
import { docker, dockerJson, e2e, openProject, Project, removeLeftovers, removeRunImages, REPO_ROOT, skipReason } from "./harness";
import { LocalRegistry, registryMissing, startRegistry } from "./registry";

/** Every file under `dir`, as text. */
function filesUnder(dir: string): string {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => fs.readFileSync(path.join(e.parentPath, e.name), "utf8")).join("\n");
}

/**
 * The prod stack for real: home-built images pushed to a private registry with htpasswd, real
 * secrets kept out of everything but the containers, data volumes protected from replacement (by
 * `up` and by a rollback), and `pulumi destroy` refused before anything is touched.
 */
describe("prod stack, deployed for real with a private registry", { skip: skipReason("prod stack tests", registryMissing) }, () => {
  const CONTAINERS = [e2e("e2e-web"), e2e("e2e-app"), e2e("e2e-app-db")];
  const NETWORKS = [e2e("e2e-app-db"), e2e("e2e-proxy")];
  const VOLUMES = [e2e("e2e-app-data")];
  const SECRETS = { web: `pw-${randomBytes(9).toString("hex")}`, token: `tok-${randomBytes(9).toString("hex")}` };
  let registry: LocalRegistry;
  let p: Project;
  const output: string[] = [];
  const git = (...args: string[]): string => p.git(...args);
  const ids = (): string[] => CONTAINERS.map((c) => docker("inspect", "--format", "{{.Id}}", c));
  const volumeCreated = (): string => docker("volume", "inspect", "--format", "{{.CreatedAt}}", e2e("e2e-app-data"));
  /** Every value no output may show: the real secrets and the registry's password. */
  const secretValues = (): string[] => [SECRETS.web, SECRETS.token, registry.password];
  const leaks = (text: string): string[] => secretValues().filter((v) => text.includes(v));
  const SNAPSHOTS = fs.mkdtempSync(path.join(os.tmpdir(), "dockerfiles-snapshots-"));
  const snapshotsOf = (volume: string): string[] => (fs.existsSync(path.join(SNAPSHOTS, volume)) ? fs.readdirSync(path.join(SNAPSHOTS, volume)).sort().reverse() : []);
  const db = (...cmd: string[]): string => docker("exec", e2e("e2e-app-db"), ...cmd);
  const upOutput = async (): Promise<string> => {
    const up = await p.stack.up();
    assert.equal(up.summary.result, "succeeded");
    return up.stdout + up.stderr;
  };
  /** Replaces the database container by changing one of its labels, in a commit. */
  const replaceDatabase = async (label: string): Promise<string> => {
    p.edit(e2e("services/e2e-app/docker-compose.yml"), (t) => t.replace(/role: database.*/, `role: database-${label}`));
    git("commit", "-qam", `database ${label}`);
    return upOutput();
  };

  before(async () => {
    removeLeftovers(CONTAINERS, NETWORKS, VOLUMES);
    registry = await startRegistry();
    p = await openProject(path.join(REPO_ROOT, "test/fixtures/services"), { createExternalNetworks: "true", snapshots: JSON.stringify({ directory: SNAPSHOTS, keep: 2 }) }, "prod", {
      replace: { "registry.picasoft.net": registry.server },
      secret: { secrets: JSON.stringify({ [e2e("e2e-web")]: { web: { WEB_PASSWORD: SECRETS.web }, api_token: SECRETS.token } }) },
    });
    await p.stack.setConfig("dockerfiles:registry.server", { value: registry.server }, true);
    await p.stack.setConfig("dockerfiles:registry.username", { value: registry.username }, true);
    await p.stack.setConfig("dockerfiles:registry.password", { value: registry.password, secret: true }, true);
    fs.writeFileSync(p.file(".gitignore"), "node_modules\n.state/\n");
    git("init", "-q");
    git("add", "-A");
    git("commit", "-qm", "A");
  });
  after(async () => {
    removeLeftovers(CONTAINERS, NETWORKS, VOLUMES);
    await p?.cleanup();
    removeRunImages();
    await registry?.stop();
    fs.rmSync(SNAPSHOTS, { recursive: true, force: true });
  });

  it("pushes the home-built images to the registry and keeps every secret out of the state, the output and the labels", async () => {
    const preview = await p.stack.preview({ diff: true });
    output.push(preview.stdout, preview.stderr);
    const up = await p.stack.up({ onOutput: (t) => output.push(t) });
    output.push(up.stderr);
    assert.equal(up.summary.result, "succeeded");
    for (const image of ["e2e-web", "e2e-app", "e2e-app-db"]) assert.deepEqual(await registry.tags(e2e(image)), ["1.0.0"], `${image} is in the registry`);
    // The containers need the secrets: in the environment and the secret file, and nowhere else.
    assert.match(docker("inspect", "--format", "{{range .Config.Env}}{{.}} {{end}}", e2e("e2e-web")), new RegExp(`WEB_PASSWORD=${SECRETS.web}`));
    assert.equal(docker("exec", e2e("e2e-web"), "cat", "/run/secrets/api_token").trim(), SECRETS.token);
    const labels = CONTAINERS.map((c) => JSON.stringify(dockerJson("inspect", "--format", "{{json .Config.Labels}}", c))).join("\n");
    // The CLI as a user runs it (the Automation API's exportStack shows secrets in plaintext).
    const exported = execFileSync("pulumi", ["stack", "export", "--stack", "prod"], { cwd: p.dir, env: { ...process.env, ...p.env }, encoding: "utf8" });
    assert.match(exported, /WEB_PASSWORD|ciphertext/, "the export holds the secrets, encrypted");
    assert.deepEqual(leaks(output.join("\n")), [], "preview and up output");
    assert.deepEqual(leaks(exported), [], "pulumi stack export");
    assert.deepEqual(leaks(filesUnder(p.file(".state"))), [], "the state backend's files");
    assert.deepEqual(leaks(labels), [], "container labels");
    assert.deepEqual(leaks(fs.readFileSync(p.file("Pulumi.prod.yaml"), "utf8")), [], "the stack file holds them encrypted");
  });

  it("snapshots a data volume only when the container writing it is replaced, restores it, keeps the newest ones", async () => {
    const volume = e2e("e2e-app-data");
    assert.deepEqual(snapshotsOf(volume), [], "the first deploy replaced nothing: no snapshot");
    db("sh", "-c", "echo precious > /data/precious.txt");
    assert.doesNotMatch(await upOutput(), /snapshot of the volume/, "an up that replaces nothing takes no snapshot");
    assert.deepEqual(snapshotsOf(volume), []);

    const replaced = await replaceDatabase("v2");
    const said = new RegExp(`snapshot of the volume ${volume} before replacing ${e2e("e2e-app-db")}: (\\S+)`).exec(replaced);
    assert.ok(said, `the up output names the snapshot:\n${replaced}`);
    assert.equal(said[1], path.join(SNAPSHOTS, volume, snapshotsOf(volume)[0]));
    assert.match(execFileSync("tar", ["-tzf", said[1]], { encoding: "utf8" }), /precious\.txt/);
    assert.equal(db("cat", "/data/precious.txt"), "precious", "the volume itself is kept across the replacement");

    db("sh", "-c", "rm /data/precious.txt; echo broken > /data/hello.txt");
    const restored = await p.cli((out) => restore(["prod", e2e("e2e-app"), "data", "--yes"], p.dir, out));
    assert.equal(restored.code, 0, restored.output);
    assert.match(restored.output, /saved in .*before-restore\.tar\.gz/);
    assert.equal(db("cat", "/data/precious.txt"), "precious");
    assert.equal(db("cat", "/data/hello.txt"), "hello-from-db");
    assert.equal(docker("inspect", "--format", "{{.State.Health.Status}}", e2e("e2e-app-db")), "healthy");
    assert.equal(snapshotsOf(volume).filter((f) => f.endsWith("-before-restore.tar.gz")).length, 1, "the broken content was saved before the restore");

    await replaceDatabase("v3");
    const last = await replaceDatabase("v4");
    assert.equal(snapshotsOf(volume).length, 2, "keep: 2");
    assert.ok(last.includes(path.join(SNAPSHOTS, volume, snapshotsOf(volume)[0])), "the newest is the last one taken");
    const shown = await p.cli((out) => status(["prod"], p.dir, out));
    assert.match(shown.output, new RegExp(`snapshots in ${SNAPSHOTS} on the local engine: ${volume} 2 \\(\\d+ KiB\\)`), shown.output);
  });

  it("refuses a change that would replace a data volume, in the preview, before anything is touched", async () => {
    const before = { ids: ids(), volume: volumeCreated() };
    p.edit(e2e("services/e2e-app/docker-compose.yml"), (t) => t.replace(`name: ${e2e("e2e-app-data")}`, `name: ${e2e("e2e-app-data")}\n    labels:\n      backup: daily`));
    git("commit", "-qam", "labels on the data volume");
    const refused = await p.stack.preview({ diff: true }).then(() => undefined, (e: Error) => e.message);
    assert.ok(refused, "the preview fails");
    assert.match(refused, new RegExp(`${e2e("e2e-app")}/data`), "it names the volume");
    assert.match(refused, /protect/, "it says the volume is protected");
    const shown = await p.cli((out) => runPlan(["prod", "--no-preview"], p.dir, out));
    assert.equal(shown.code, 2, shown.output);
    assert.match(shown.output, new RegExp(`^ {2}volume data \\(${e2e("e2e-app-data")}\\): replaced \\(label backup added: daily\\) — REFUSED: the volume is protected`, "m"), shown.output);
    assert.match(shown.output, new RegExp(`^REFUSED: up would stop at the protected volume ${e2e("e2e-app")}/data$`, "m"), shown.output);
    await assert.rejects(p.stack.up(), /protect/);
    assert.deepEqual({ ids: ids(), volume: volumeCreated() }, before, "no container or volume was touched");
    git("reset", "-q", "--hard", "HEAD~1");
  });

  it("refuses a rollback to a commit that would replace or drop a data volume, naming both", async () => {
    const before = { ids: ids(), volume: volumeCreated() };
    p.edit(e2e("services/e2e-app/docker-compose.yml"), (t) => t.replace(`name: ${e2e("e2e-app-data")}`, `name: ${e2e("e2e-app-data2")}`));
    git("commit", "-qam", "B renames the data volume");
    const b = git("rev-parse", "HEAD");
    git("reset", "-q", "--hard", "HEAD~1");
    const { code, output: text } = await p.cli((out) => rollback(["prod", b, "--yes"], p.dir, out, () => undefined));
    assert.equal(code, 1, text);
    assert.match(text, new RegExp(`refused.*${b.slice(0, 12)}`, "s"), "it names the commit");
    assert.match(text, new RegExp(`volume ${e2e("e2e-app")}/data`), "it names the volume");
    assert.match(text, /Nothing was changed/);
    assert.deepEqual({ ids: ids(), volume: volumeCreated() }, before, "no container or volume was touched");
    assert.equal((await p.stack.getAllConfig())["dockerfiles:servicesRef"]?.value ?? "", "", "servicesRef is back as it was");
    assert.doesNotMatch(fs.readFileSync(p.file("Pulumi.prod.yaml"), "utf8"), /servicesRef/);
  });

  it("fails a push with a wrong registry password naming the registry, and shows no password", async () => {
    await p.stack.setConfig("dockerfiles:registry.password", { value: "wrong-password-e2e", secret: true }, true);
    p.edit(e2e("services/e2e-web/Dockerfile"), (t) => t + "\n# rebuilt\n");
    git("commit", "-qam", "web rebuilt");
    const failed = await p.stack.up().then(() => "", (e: Error) => e.message);
    assert.match(failed, new RegExp(`login to the registry ${registry.server.replace(/\./g, "\\.")} as deploy failed`));
    assert.ok(!failed.includes("wrong-password-e2e") && leaks(failed).length === 0, "no password in the error");
    await p.stack.setConfig("dockerfiles:registry.password", { value: registry.password, secret: true }, true);
    const up = await p.stack.up();
    assert.equal(up.summary.result, "succeeded");
    assert.deepEqual(leaks(up.stdout + up.stderr), []);
  });

  it("refuses `pulumi destroy` on prod before anything is touched", async () => {
    assert.equal((await p.stack.up()).summary.result, "succeeded");
    const before = { ids: ids(), volume: volumeCreated() };
    const refused = await p.stack.destroy().then(() => "", (e: Error) => e.message);
    assert.match(refused, /prod-destroy-guard/);
    assert.match(refused, /protect/);
    assert.deepEqual({ ids: ids(), volume: volumeCreated() }, before);
  });
});
