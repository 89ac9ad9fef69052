import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { explainPulumiError } from "../../src/cli/pulumiErrors";
import { status } from "../../src/cli/status";
import { docker, e2e, health, openProject, Project, removeLeftovers, removeRunImages, REPO_ROOT, skipReason } from "./harness";
import { SshMachine, sshMissing, startSshMachine } from "./sshMachine";

async function untilHealthy(name: string): Promise<string> {
  for (let i = 0; i < 60 && health(name) !== "healthy"; i++) await new Promise((r) => setTimeout(r, 250));
  return health(name);
}

/**
 * A service placed on another machine with `hosts`: deployed through `ssh://` by the docker provider,
 * reported there by `status`, and put back as declared by the next `up` (with refresh) after someone
 * removed or stopped its container by hand on that machine.
 */
describe("a second Docker host over SSH, deployed for real", { skip: skipReason("second machine tests", sshMissing) }, () => {
  const WEB = e2e("e2e-web");
  let machine: SshMachine;
  let p: Project;
  const onMachine = (...args: string[]): string =>
    execFileSync("docker", args, { encoding: "utf8", env: { ...process.env, ...machine.env, DOCKER_HOST: machine.host }, stdio: ["ignore", "pipe", "pipe"] }).trim();
  const statusLine = async (): Promise<{ code: number; output: string }> => p.cli((out) => status(["test"], p.dir, out));
  const upWithRefresh = async (): Promise<string> => {
    const up = await p.stack.up({ refresh: true });
    assert.equal(up.summary.result, "succeeded");
    return up.stdout;
  };

  before(async () => {
    removeLeftovers([WEB], [e2e("e2e-proxy")], []);
    machine = await startSshMachine();
    p = await openProject(path.join(REPO_ROOT, "test/fixtures/services"), { hosts: JSON.stringify({ [WEB]: machine.host }) }, "test", { env: machine.env });
    await p.stack.setConfig("dockerfiles:services[0]", { value: WEB }, true);
    p.git("init", "-q");
    p.git("add", "-A");
    p.git("commit", "-qm", "A");
  });
  after(async () => {
    removeLeftovers([WEB], [e2e("e2e-proxy")], []);
    await p?.cleanup();
    removeRunImages();
    await machine?.stop();
  });

  it("deploys the service placed with `hosts` through ssh://, and status reports it on that machine", async () => {
    const before = machine.acceptedSessions();
    const up = await p.stack.up();
    assert.equal(up.summary.result, "succeeded");
    assert.ok(machine.acceptedSessions() > before, "the deploy went through the machine's sshd");
    assert.equal(onMachine("inspect", "--format", "{{.State.Status}}", WEB), "running", "the machine's engine runs the container");
    assert.equal(await untilHealthy(WEB), "healthy");
    const exported = JSON.stringify(await p.stack.exportStack());
    assert.ok(exported.includes(machine.host), "the stack's provider for the machine is the ssh:// host");
    const { code, output } = await statusLine();
    assert.equal(code, 0, output);
    assert.match(output, new RegExp(`^test ${WEB} on ${machine.host.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: deployed [0-9a-f]{12} .*containers: in sync`, "m"));
  });

  it("puts back a container removed by hand on that machine (status reports it first)", async () => {
    onMachine("rm", "-f", WEB);
    const drifted = await statusLine();
    assert.equal(drifted.code, 1, drifted.output);
    assert.match(drifted.output, new RegExp(`${WEB} on ssh://.*containers: web removed`));
    await upWithRefresh();
    assert.equal(await untilHealthy(WEB), "healthy");
    assert.equal((await statusLine()).code, 0);
    assert.equal(docker("ps", "-a", "--filter", `name=^${WEB}$`, "--format", "{{.ID}}").split("\n").length, 1, "one container, not two");
  });

  it("starts again a container stopped by hand", async () => {
    onMachine("stop", WEB);
    assert.match((await statusLine()).output, /containers: web is exited/);
    await upWithRefresh();
    assert.equal(await untilHealthy(WEB), "healthy");
    const { code, output } = await statusLine();
    assert.equal(code, 0, output);
  });

  it("refuses to remove a container someone started by hand under its name, and says what to do", async () => {
    onMachine("rm", "-f", WEB);
    const stranger = onMachine("run", "-d", "--name", WEB, "debian:bookworm-slim", "sleep", "300");
    assert.match((await statusLine()).output, /containers: web replaced by something this program did not deploy/);
    const failed = await p.stack.up({ refresh: true }).then(() => undefined, (e: unknown) => e);
    assert.ok(failed, "the up must not succeed over a container it does not own");
    const said = explainPulumiError(failed, "test");
    assert.match(said, new RegExp(`a container named ${WEB} \\(${stranger.slice(0, 12)}\\) that stack 'test' did not deploy holds the name`));
    assert.match(said, new RegExp(`Nothing was removed.*docker rm -f ${WEB} and pulumi up again`));
    assert.equal(onMachine("inspect", "--format", "{{.Id}} {{.State.Status}}", WEB), `${stranger} running`, "the stranger is left as it was");

    onMachine("rm", "-f", WEB);
    await upWithRefresh();
    assert.equal(await untilHealthy(WEB), "healthy");
    assert.equal((await statusLine()).code, 0);
  });

  it("a second up changes nothing", async () => {
    const preview = await p.stack.preview({ refresh: true });
    assert.deepEqual(Object.keys(preview.changeSummary).filter((k) => k !== "same"), [], JSON.stringify(preview.changeSummary));
  });
});
