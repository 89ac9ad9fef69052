import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, afterEach, describe, it } from "node:test";
import { adopt } from "../../src/cli/adopt";
import { copyExampleSecrets, docker, e2e, openProject, Project, removeLeftovers, removeRunImages, REPO_ROOT, skipReason } from "./harness";

/** Debian's docker-compose 1.29, as the machines run it today. */
function composeMissing(): string | undefined {
  return spawnSync("docker-compose", ["version"], { stdio: "ignore" }).status === 0 ? undefined : "docker-compose is not installed (scripts/toolchain.sh installs Debian's)";
}

const APP = e2e("e2e-app");
const WEB = e2e("e2e-web");
const CONTAINERS = [WEB, APP, e2e("e2e-app-db")];

/**
 * Machines that run the services with `docker-compose up -d` today, taken over by `npm run adopt`:
 * the fixtures started with Debian's docker-compose 1.29 exactly as the manual procedure does
 * (secrets copied from the examples, the external network made by hand), data written in their
 * volumes, then adopt and the test stack's `up`.
 */
describe("taking over services that docker-compose runs, for real", { skip: skipReason("adoption tests", composeMissing) }, () => {
  let p: Project | undefined;
  const volumes = new Set<string>();
  const composeIn = (folder: string, ...args: string[]): string =>
    execFileSync("docker-compose", args, { cwd: p!.file(`services/${folder}`), encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  /** The folder's example secrets copied to real ones, then `docker-compose [-p project] up -d`. */
  const composeUp = (folder: string, project?: string): void => {
    copyExampleSecrets(p!.file(`services/${folder}`));
    composeIn(folder, ...(project ? ["-p", project] : []), "up", "-d", "--build");
  };
  const writeData = (): void => void docker("exec", e2e("e2e-app-db"), "sh", "-c", "echo precious > /data/precious.txt");
  const volumeCreatedAt = (name: string): string => docker("volume", "inspect", "--format", "{{.CreatedAt}}", name);
  const composeContainers = (): string[] => docker("ps", "-a", "--filter", "label=com.docker.compose.project", "--format", "{{.Names}}").split("\n").filter((n) => CONTAINERS.includes(n));
  const run = async (...args: string[]): Promise<{ code: number; output: string }> => p!.cli((out) => adopt(["test", ...args, "--yes"], p!.dir, out, () => undefined));
  const open = async (edit?: (compose: string) => string): Promise<Project> => {
    p = await openProject(path.join(REPO_ROOT, "test/fixtures/services"));
    if (edit) p.edit(`services/${APP}/docker-compose.yml`, edit);
    docker("network", "create", e2e("e2e-proxy"));
    return p;
  };
  /** After adopt: the data is there, the volume is the one compose made, nothing left to do. */
  const assertAdopted = async (volume: string, createdAt: string): Promise<void> => {
    assert.equal(docker("exec", e2e("e2e-app-db"), "cat", "/data/precious.txt"), "precious", "the data written under compose is there");
    assert.equal(volumeCreatedAt(volume), createdAt, `${volume} is the volume compose made, not a new one`);
    assert.deepEqual(composeContainers(), [], "no compose container is left");
    assert.equal(docker("inspect", "--format", "{{index .Config.Labels \"dockerfiles.stack\"}}", e2e("e2e-app-db")), "test");
    const again = await p!.stack.preview({ refresh: true });
    assert.deepEqual(Object.keys(again.changeSummary).filter((k) => k !== "same"), [], `the next up changes nothing: ${JSON.stringify(again.changeSummary)}`);
  };

  afterEach(async () => {
    removeLeftovers(CONTAINERS, [e2e("e2e-app-db"), e2e("e2e-proxy")], [...volumes]);
    volumes.clear();
    await p?.cleanup();
    p = undefined;
  });
  after(() => removeRunImages());

  it("adopts two folders started by compose under their default project: data kept, compose containers replaced, then nothing to do", async () => {
    await open();
    composeUp(WEB);
    composeUp(APP);
    writeData();
    const volume = e2e("e2e-app-data");
    volumes.add(volume);
    const createdAt = volumeCreatedAt(volume);
    const { code, output } = await run();
    assert.equal(code, 0, output);
    assert.match(output, new RegExp(`container ${e2e("e2e-app-db")} \\(running, .*\\) → replaced by the program's db`));
    assert.match(output, new RegExp(`volume data: ${volume} \\(.*\\) kept with its data`));
    assert.match(output, new RegExp(`adopt: ${APP}: now run by stack test, healthy`));
    await assertAdopted(volume, createdAt);
    const web = await fetch(`http://127.0.0.1:${docker("port", WEB, "8080/tcp").split(":").pop()}/`);
    assert.equal(web.status, 200, "the adopted web site answers");
  });

  for (const variant of [
    { title: "a volume named the pre-1.21 way (project without dashes)", project: APP.replace(/-/g, "") },
    { title: "a volume made under another project name (-p)", project: "oldname" },
  ]) {
    it(`keeps ${variant.title} under its name`, async () => {
      await open((t) => t.replace(/\n {4}name: \S+-app-data/, ""));
      // This stack deploys the app folder only: the next preview is about it alone.
      await p!.stack.setConfig("dockerfiles:services[0]", { value: APP }, true);
      composeUp(APP, variant.project);
      writeData();
      const volume = `${variant.project}_data`;
      volumes.add(volume);
      const createdAt = volumeCreatedAt(volume);
      const { code, output } = await run(APP);
      assert.equal(code, 0, output);
      assert.match(output, new RegExp(`volume data: ${volume} \\(.*\\) kept with its data under its name \\(the program would have named it ${APP}_data\\)`));
      assert.equal(docker("volume", "ls", "-q", "--filter", `name=^${APP}_data$`), "", "no volume was created for the declaration");
      assert.match(fs.readFileSync(p!.file("Pulumi.test.yaml"), "utf8"), new RegExp(`${APP}:\\s+volumes:\\s+data: ${volume}`), "the stack file records it");
      await assertAdopted(volume, createdAt);
    });
  }

  it("refuses an ambiguous volume, naming both candidates, and changes nothing", async () => {
    await open((t) => t.replace(/\n {4}name: \S+-app-data/, ""));
    composeUp(APP);
    const other = `${APP.replace(/-/g, "")}_data`;
    docker("volume", "create", other);
    volumes.add(other).add(`${APP}_data`);
    const before = docker("ps", "-q", "--filter", `label=com.docker.compose.project=${APP}`);
    const { code, output } = await run(APP);
    assert.equal(code, 1, output);
    assert.match(output, new RegExp(`REFUSED: ${APP}: volumes\\.data could be (${APP}_data|${other}) \\(.*\\) or (${APP}_data|${other})`));
    assert.match(output, /nothing was changed/);
    assert.equal(docker("ps", "-q", "--filter", `label=com.docker.compose.project=${APP}`), before, "compose's containers still run");
    assert.doesNotMatch(fs.readFileSync(p!.file("Pulumi.test.yaml"), "utf8"), /adopted/);
  });

  it("refuses a container it cannot match that holds a declared name, and a volume used by an unrelated container", async () => {
    await open();
    docker("run", "-d", "--name", e2e("e2e-app-db"), "debian:bookworm-slim", "sleep", "300");
    const volume = e2e("e2e-app-data");
    docker("volume", "create", volume);
    volumes.add(volume);
    docker("run", "-d", "--name", e2e("e2e-stranger"), "-v", `${volume}:/data`, "debian:bookworm-slim", "sleep", "300");
    try {
      const { code, output } = await run(APP);
      assert.equal(code, 1, output);
      assert.match(output, new RegExp(`REFUSED: container ${e2e("e2e-app-db")} .* holds the name of ${APP}/db but was not started by compose`));
      assert.match(output, new RegExp(`REFUSED: volume ${volume} is in use by container ${e2e("e2e-stranger")}`));
      assert.equal(docker("inspect", "--format", "{{.State.Status}}", e2e("e2e-app-db")), "running", "the unknown container is left alone");
    } finally {
      removeLeftovers([e2e("e2e-stranger")], [], []);
    }
  });
});
